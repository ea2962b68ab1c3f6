import { attemptRow, type LoginAttempt } from '../../lib/login-attempt-row.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { Queryable } from './client.ts';
import { placeholdersFor, preparedPerHandle } from './prepared.ts';
import { loginAttempts } from './schema/login-links.ts';

export { maskEmail } from '../../lib/mask-email.ts';

const insertAttempt = preparedPerHandle((db: Queryable) =>
  db
    .insert(loginAttempts)
    .values(
      placeholdersFor([
        'kind',
        'oneClickLinkId',
        'loginTokenId',
        'userId',
        'outcome',
        'at',
        'ip',
        'userAgent',
      ]),
    )
    .prepare(),
);

/** Records one attempt at a link or token, whatever its outcome (SPEC §5, §6). */
export function recordAttempt(tx: Queryable, attempt: LoginAttempt, meta: RequestMeta): void {
  insertAttempt(tx).run(attemptRow(attempt, meta));
}
