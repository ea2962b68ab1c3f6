import type { Session, UserSummary } from '@onbehalf/contracts/auth';
import { type EndReason, endReasonLabels } from '@onbehalf/contracts/impersonation';
import { sortPermissions } from '@onbehalf/contracts/permissions';
import type { AuthContext } from '../app-env.ts';
import { toIso } from '../lib/clock.ts';
import type { SessionUser } from '../store/rows.ts';
import type { Store } from '../store/store.ts';

export function toUserSummary(user: SessionUser): UserSummary {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    kind: user.kind,
    operatorRole: user.operatorRole ?? null,
  };
}

const factorOf = {
  password: 'password',
  one_click: 'one_click',
  login_token: 'login_token',
  impersonation: 'impersonated',
} as const;

/** The session as the API describes it: who, as which profile, allowed to do what. */
export async function describeSession(
  store: Store,
  auth: AuthContext,
  now: number,
  impersonationEnded: EndReason | null = null,
): Promise<Session> {
  const { user, profile } = auth;
  const profileCount = user && !profile ? await store.auth.profileCount(user.id) : 0;
  return sessionView(auth, profileCount, now, impersonationEnded);
}

/**
 * The same description from what the caller already read: `profileCount` is how many profiles
 * the user has, which only matters while none is active (several: the person picks one).
 */
export function sessionView(
  auth: AuthContext,
  profileCount: number,
  /** The server's clock as it answers (`asOf`). */
  now: number,
  impersonationEnded: EndReason | null = null,
): Session {
  const { session, user, profile, impersonation } = auth;
  return {
    asOf: toIso(now),
    id: session.id,
    method: session.method,
    createdAt: toIso(session.createdAt),
    expiresAt: toIso(session.expiresAt),
    user: user ? toUserSummary(user) : null,
    activeProfile: profile
      ? {
          Id: profile.id,
          role: profile.role,
          type: profile.organization.kind === 'company' ? 'Contact' : 'Customer',
          organization: {
            id: profile.organization.id,
            name: profile.organization.name,
            kind: profile.organization.kind,
          },
        }
      : null,
    needsProfile: !profile && user?.kind === 'customer' && profileCount > 1,
    permissions: sortPermissions(auth.permissions),
    authenticationFactors: [
      impersonation
        ? {
            type: 'impersonated',
            at: toIso(session.createdAt),
            actor: toUserSummary(impersonation.actorUser),
          }
        : { type: factorOf[session.method], at: toIso(session.createdAt) },
    ],
    ...(impersonation
      ? {
          actor: {
            user: toUserSummary(impersonation.actorUser),
            profileId: impersonation.row.actorProfileId,
            impersonationId: impersonation.row.id,
            door: impersonation.row.door,
            reason: impersonation.row.reason,
            endsAt: toIso(impersonation.endsAt),
          },
        }
      : {}),
    ...(auth.credential
      ? {
          via: {
            kind: auth.credential.kind,
            credentialId: auth.credential.id,
            name: auth.credential.name,
            maker: auth.credential.maker,
          },
        }
      : {}),
    ...(impersonationEnded
      ? {
          impersonationEnded: {
            reason: impersonationEnded,
            message: endReasonLabels[impersonationEnded],
          },
        }
      : {}),
  };
}
