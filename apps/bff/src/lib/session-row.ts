import type { SignInMethod } from '@onbehalf/contracts/auth';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { sessionPolicy } from '../domain/sessions.ts';
import type { SessionRow } from '../store/rows.ts';
import type { RequestMeta } from './request-meta.ts';
import { randomToken, sha256, sortableId } from './tokens.ts';

/**
 * What a new session is and when a session is touched, the same on every store: each adapter
 * only writes the row (store/sqlite/sessions.ts on SQLite, store/postgres/sessions.ts on PostgreSQL).
 */

export interface MintSessionInput {
  userId: number | null;
  profileId: number | null;
  method: SignInMethod;
  now: number;
  meta: RequestMeta;
  /** A rotated session keeps its predecessor's absolute expiry: rotation never extends. */
  expiresAt?: number;
  impersonationId?: string;
  /** The integration's credential that opens this session (SPEC §4b). */
  via?: { kind: CredentialKind; credentialId: string };
}

/** A new session's row and the only copy of its token; only the token's hash is stored. */
/** Every column of a session row, in the order the stores' prepared inserts name them. */
export const SESSION_COLUMNS = [
  'id',
  'tokenHash',
  'userId',
  'profileId',
  'method',
  'createdAt',
  'expiresAt',
  'lastSeenAt',
  'ip',
  'userAgent',
  'revokedAt',
  'revokedReason',
  'impersonationId',
  'viaKind',
  'viaCredentialId',
] as const satisfies readonly (keyof SessionRow)[];

export function newSession(input: MintSessionInput): { token: string; session: SessionRow } {
  const token = randomToken();
  const session: SessionRow = {
    id: sortableId(input.now),
    tokenHash: sha256(token),
    userId: input.userId,
    profileId: input.profileId,
    method: input.method,
    createdAt: input.now,
    expiresAt: input.expiresAt ?? input.now + sessionPolicy.absoluteMs,
    lastSeenAt: input.now,
    ip: input.meta.ip,
    userAgent: input.meta.userAgent?.slice(0, 512) ?? null,
    revokedAt: null,
    revokedReason: null,
    impersonationId: input.impersonationId ?? null,
    viaKind: input.via?.kind ?? null,
    viaCredentialId: input.via?.credentialId ?? null,
  };
  return { token, session };
}

/** Whether `last_seen_at` is due a write: at most once per interval, so a check is a read. */
export function sessionTouchDue(session: Pick<SessionRow, 'lastSeenAt'>, now: number): boolean {
  return now - session.lastSeenAt >= sessionPolicy.touchEveryMs;
}
