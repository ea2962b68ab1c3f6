import type { SignInMethod } from '@onbehalf/contracts/auth';
import { eq, sql } from 'drizzle-orm';
import type { AppDeps, AuthContext } from '../app-env.ts';
import type { Tx } from '../db/client.ts';
import { profiles } from '../db/schema/profiles.ts';
import { authForToken } from './auth-context.ts';
import { AppError } from './errors.ts';
import { preparedPerHandle } from './prepared.ts';
import type { RequestMeta } from './request-meta.ts';
import { describeSession } from './session-view.ts';
import { mintSession, revokeSession } from './sessions.ts';

/** A browser acting as someone else must leave that first; a link never stacks on it. */
export function refuseDuringImpersonation(current: AuthContext | null): void {
  if (current?.impersonation) throw new AppError('impersonation_restricted');
}

/** The profile a link signs into: the only one, or none so the person picks. */
const profileIdsOf = preparedPerHandle((db: Tx) =>
  db
    .select({ id: profiles.id })
    .from(profiles)
    .where(eq(profiles.userId, sql.placeholder('userId')))
    .prepare(),
);

export function soleProfileId(tx: Tx, userId: number): number | null {
  const rows = profileIdsOf(tx).all({ userId });
  return rows.length === 1 ? (rows[0]?.id ?? null) : null;
}

/**
 * Mints the session a link or token signs in to. A session this browser already had is
 * revoked: the person chose, on the Continue page, to replace it.
 */
export function mintLinkSession(
  tx: Tx,
  input: { userId: number | null; profileId: number | null; method: SignInMethod },
  current: AuthContext | null,
  now: number,
  meta: RequestMeta,
) {
  if (current) revokeSession(tx, current.session.id, 'replaced', now);
  return mintSession(tx, { ...input, now, meta });
}

export function signedInAs(deps: AppDeps, token: string, expiresAt: number) {
  const auth = authForToken(deps.db, token, 'cookie');
  return { token, expiresAt, session: describeSession(deps.db, auth) };
}
