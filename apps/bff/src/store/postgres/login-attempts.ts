import { ATTEMPT_COLUMNS, attemptRow, type LoginAttempt } from '../../lib/login-attempt-row.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { placeholdersFor } from '../placeholders.ts';
import type { PgQueryable } from './client.ts';
import { prepared } from './prepared.ts';
import { loginAttempts } from './schema.ts';

/**
 * Records one attempt at a link or token, whatever its outcome (SPEC §5, §6): the same row as
 * on SQLite (store/sqlite/login-attempts.ts), in the caller's transaction.
 */
export async function recordAttempt(
  tx: PgQueryable,
  attempt: LoginAttempt,
  meta: RequestMeta,
): Promise<void> {
  await insertAttempt(tx).execute(attemptRow(attempt, meta));
}

const insertAttempt = prepared((db) =>
  db.insert(loginAttempts).values(placeholdersFor(ATTEMPT_COLUMNS)).prepare('login_attempt_insert'),
);
