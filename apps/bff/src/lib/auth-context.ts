import {
  operatorRolePermissions,
  type Permission,
  sortPermissions,
} from '@onbehalf/contracts/permissions';
import type { AuthContext, CredentialContext, ImpersonationContext } from '../app-env.ts';
import type { Actor, Target } from '../domain/impersonation/policy.ts';
import type { SessionLookup, UserRow } from '../store/rows.ts';

/** What a session may do: an operator's role, or the active profile's explicit set. */
export function permissionsOf(found: SessionLookup): Permission[] {
  const { user, profile } = found;
  if (!user) return [];
  if (user.kind === 'operator') {
    return user.operatorRole ? [...operatorRolePermissions[user.operatorRole]] : [];
  }
  return profile ? sortPermissions(profile.permissions) : [];
}

export function authFromLookup(
  found: SessionLookup,
  transport: AuthContext['transport'],
  impersonation: ImpersonationContext | null = null,
  credential: CredentialContext | null = null,
): AuthContext {
  return {
    session: found.session,
    user: found.user,
    profile:
      found.profile && found.organization
        ? { ...found.profile, organization: found.organization }
        : null,
    permissions: new Set(permissionsOf(found)),
    impersonation,
    credential,
    transport,
  };
}

/** The caller as the impersonation policy sees an actor. */
export function policyActor(auth: AuthContext): Actor {
  return {
    userId: auth.user?.id ?? 0,
    status: auth.user?.status ?? 'disabled',
    operatorRole: auth.user?.operatorRole ?? null,
    permissions: auth.permissions,
    actingForSomeone: auth.impersonation !== null || auth.credential !== null,
  };
}

/** A user, and the profile acted as, as the impersonation policy sees a target. */
export function policyTarget(
  user: Pick<UserRow, 'id' | 'kind' | 'status' | 'operatorRole'>,
  profile: Target['profile'],
): Target {
  return {
    userId: user.id,
    kind: user.kind,
    status: user.status,
    operatorRole: user.operatorRole,
    profile,
  };
}
