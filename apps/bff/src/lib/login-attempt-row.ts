import type { AttemptOutcome } from '@onbehalf/contracts/login-links';
import type { RequestMeta } from './request-meta.ts';

/** One attempt at a link or token, as a command records it (SPEC §5, §6). */
export interface LoginAttempt {
  kind: 'one_click' | 'login_token';
  oneClickLinkId?: string | null;
  loginTokenId?: number | null;
  userId?: number | null;
  outcome: AttemptOutcome;
  at: number;
}

/** The row an attempt becomes, the same on every store: what it was at, and who tried from where. */
/** The columns `attemptRow` fills: the stores' prepared inserts name them. */
export const ATTEMPT_COLUMNS = [
  'kind',
  'oneClickLinkId',
  'loginTokenId',
  'userId',
  'outcome',
  'at',
  'ip',
  'userAgent',
] as const satisfies readonly (keyof ReturnType<typeof attemptRow>)[];

export function attemptRow(attempt: LoginAttempt, meta: RequestMeta) {
  return {
    kind: attempt.kind,
    oneClickLinkId: attempt.oneClickLinkId ?? null,
    loginTokenId: attempt.loginTokenId ?? null,
    userId: attempt.userId ?? null,
    outcome: attempt.outcome,
    at: attempt.at,
    ip: meta.ip,
    userAgent: meta.userAgent,
  };
}
