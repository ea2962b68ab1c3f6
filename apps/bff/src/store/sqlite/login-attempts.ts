import { ATTEMPT_COLUMNS, attemptRow, type LoginAttempt } from '../../lib/login-attempt-row.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { placeholdersFor } from '../placeholders.ts';
import type { Queryable } from './client.ts';
import { preparedPerHandle } from './prepared.ts';
import { loginAttempts } from './schema/login-links.ts';

export { maskEmail } from '../../lib/mask-email.ts';

const insertAttempt = preparedPerHandle((db: Queryable) =>
  db.insert(loginAttempts).values(placeholdersFor(ATTEMPT_COLUMNS)).prepare(),
);

/** Records one attempt at a link or token, whatever its outcome (SPEC §5, §6). */
export function recordAttempt(tx: Queryable, attempt: LoginAttempt, meta: RequestMeta): void {
  insertAttempt(tx).run(attemptRow(attempt, meta));
}
