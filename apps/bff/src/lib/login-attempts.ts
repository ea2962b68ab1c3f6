import type { AttemptOutcome } from '@onbehalf/contracts/login-links';
import type { Queryable } from '../store/sqlite/client.ts';
import { placeholdersFor, preparedPerHandle } from '../store/sqlite/prepared.ts';
import { loginAttempts } from '../store/sqlite/schema/login-links.ts';
import type { RequestMeta } from './request-meta.ts';

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
export function recordAttempt(
  tx: Queryable,
  attempt: {
    kind: 'one_click' | 'login_token';
    oneClickLinkId?: string | null;
    loginTokenId?: number | null;
    userId?: number | null;
    outcome: AttemptOutcome;
    at: number;
  },
  meta: RequestMeta,
): void {
  insertAttempt(tx).run({
    kind: attempt.kind,
    oneClickLinkId: attempt.oneClickLinkId ?? null,
    loginTokenId: attempt.loginTokenId ?? null,
    userId: attempt.userId ?? null,
    outcome: attempt.outcome,
    at: attempt.at,
    ip: meta.ip,
    userAgent: meta.userAgent,
  });
}

/** `jane.doe@acme.test` → `j•••@acme.test`: enough to recognise, not to harvest. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}
