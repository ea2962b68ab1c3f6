import type { AdminUsersResponse } from '@onbehalf/contracts/users';
import type { AppDeps } from '../../app-env.ts';
import { impersonationBlock } from '../../domain/impersonation/policy.ts';
import { policyActor, policyTarget } from '../../lib/auth-context.ts';
import type { Principal } from '../../lib/principal.ts';
import { readSetting } from '../../lib/settings.ts';
import { profilesOfUsers, searchUsers } from './users.repo.ts';

/**
 * Admin › Users: search, with whether the calling operator may impersonate each one. An
 * integration's API key is no one, so it may impersonate no one.
 */
export function listUsers(deps: AppDeps, principal: Principal, query?: string): AdminUsersResponse {
  const found = searchUsers(deps.db, query);
  const profiles = profilesOfUsers(
    deps.db,
    found.map((u) => u.id),
  );
  const enabled = readSetting(deps.db, 'impersonation.operator').enabled;
  const auth = principal.kind === 'session' ? principal.auth : null;
  return {
    users: found.map((user) => {
      const block = auth?.user
        ? impersonationBlock({
            door: 'operator',
            actor: policyActor(auth),
            target: policyTarget(user, null),
            doorOpen: enabled,
          })
        : 'no_permission';
      return {
        id: user.id,
        name: user.name,
        email: user.email,
        kind: user.kind,
        status: user.status,
        operatorRole: user.operatorRole ?? null,
        profiles: profiles
          .filter((p) => p.profile.userId === user.id)
          .map((p) => ({
            Id: p.profile.id,
            organizationName: p.organization.name,
            organizationKind: p.organization.kind,
            role: p.profile.role,
          })),
        impersonation: { allowed: block === null, reason: block },
      };
    }),
  };
}
