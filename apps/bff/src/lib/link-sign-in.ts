import type { Session, SignInMethod } from '@onbehalf/contracts/auth';
import { eq, sql } from 'drizzle-orm';
import type { AppDeps, AuthContext } from '../app-env.ts';
import type { Queryable, Tx } from '../db/client.ts';
import { organizations } from '../db/schema/organizations.ts';
import { profiles } from '../db/schema/profiles.ts';
import type { SessionRow } from '../db/schema/sessions.ts';
import { authFromLookup } from './auth-context.ts';
import { AppError } from './errors.ts';
import { preparedPerHandle } from './prepared.ts';
import type { RequestMeta } from './request-meta.ts';
import { describeSession } from './session-view.ts';
import { mintSession, revokeSession, type SessionLookup } from './sessions.ts';

/** A session just minted: its only token, its expiry, and how the API describes it. */
export interface Minted {
  token: string;
  expiresAt: number;
  session: Session;
}

/** The answer to each state of a link or token that is not `valid`. */
export const linkErrorFor = {
  invalid: 'link_invalid',
  revoked: 'link_revoked',
  used: 'link_used',
  expired: 'link_expired',
} as const;

/** A browser acting as someone else must leave that first; a link never stacks on it. */
export function refuseDuringImpersonation(current: AuthContext | null): void {
  if (current?.impersonation) throw new AppError('impersonation_restricted');
}

const profilesOf = preparedPerHandle((db: Queryable) =>
  db
    .select({ profile: profiles, organization: organizations })
    .from(profiles)
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, sql.placeholder('userId')))
    .prepare(),
);

/** The profile a link signs into: the only one, or none so the person picks. */
export function soleProfile(db: Queryable, userId: number) {
  const rows = profilesOf(db).all({ userId });
  return rows.length === 1 ? (rows[0] ?? null) : null;
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

/**
 * The answer to a redemption, described from the rows the redemption read and the session it
 * minted: the same view a request with the new cookie gets, without looking it up again.
 */
export function signedInAs(
  deps: AppDeps,
  minted: { token: string; session: SessionRow },
  parties: Omit<SessionLookup, 'session'>,
): Minted {
  const auth = authFromLookup({ session: minted.session, ...parties }, 'cookie');
  return {
    token: minted.token,
    expiresAt: minted.session.expiresAt,
    session: describeSession(deps.db, auth),
  };
}
