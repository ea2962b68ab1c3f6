import type { Queryable } from '../store/sqlite/client.ts';
import { placeholdersFor, preparedPerHandle } from '../store/sqlite/prepared.ts';
import { loginAttempts } from '../store/sqlite/schema/login-links.ts';
import { attemptRow, type LoginAttempt } from './login-attempt-row.ts';
import type { RequestMeta } from './request-meta.ts';

export { maskEmail } from './mask-email.ts';

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
