import {
  operatorRolePermissions,
  type Permission,
  sortPermissions,
} from '@onbehalf/contracts/permissions';
import type { AuthContext, ImpersonationContext } from '../app-env.ts';
import type { SessionLookup } from './sessions.ts';

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
  via: AuthContext['via'],
  impersonation: ImpersonationContext | null = null,
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
    via,
  };
}
