import {
  type OperatorRole,
  operatorRolePermissions,
  profileRolePresets,
} from '@onbehalf/contracts/permissions';
import type {
  AdminUsersResponse,
  SetProfileRoleBody,
  UpdateUserBody,
} from '@onbehalf/contracts/users';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { impersonationBlock } from '../../domain/impersonation/policy.ts';
import type { Principal } from '../../http/principal.ts';
import { recordAudit } from '../../lib/audit.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { policyActor, policyTarget } from '../../lib/auth-context.ts';
import { endCredentialsFor, endCredentialsMadeBy } from '../../lib/credentials.ts';
import { AppError } from '../../lib/errors.ts';
import {
  endImpersonationsByActor,
  endImpersonationsOfTarget,
} from '../../lib/impersonation-lifecycle.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { revokeSessionsOfUser } from '../../lib/sessions.ts';
import { readSetting } from '../../store/sqlite/settings.store.ts';
import {
  findProfileWithUser,
  findUserById,
  profilesOfUsers,
  searchUsers,
  setProfileRole,
  setUserStatusAndRole,
} from './users.repo.ts';

/**
 * Admin › Users: search, with whether the calling operator may impersonate each one. An
 * integration's API key is no one, so it may impersonate no one.
 */
export function listUsers(
  deps: AppDeps,
  principal: Principal,
  page: { query?: string | undefined; cursor?: string | undefined; limit: number },
): AdminUsersResponse {
  const rows = searchUsers(deps.db, {
    ...page,
    after: decodeCursor(page.cursor, ['string', 'number'] as const),
    organizationIds: principal.kind === 'api_key' ? principal.key.organizationIds : undefined,
  });
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.sortName, r.user.id]);
  const found = items.map((r) => r.user);
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
    nextCursor,
  };
}

const held = (role: OperatorRole | null) => new Set(role ? operatorRolePermissions[role] : []);

/**
 * A superadmin disables or enables a user, or changes an operator's role, with a reason
 * (audited). Disabling ends everything the person holds and everything held for them: their
 * sessions, impersonations by and of them, the credentials made for them, and the credentials
 * and API keys they made (SPEC §4b: credentials die with the right to them). An operator who
 * loses a right loses what they made with it.
 */
export function updateUser(
  deps: AppDeps,
  auth: AuthContext,
  userId: number,
  body: UpdateUserBody,
  meta: RequestMeta,
) {
  const user = findUserById(deps.db, userId);
  if (!user) throw new AppError('not_found', { message: 'No such user.' });
  if (user.id === auth.user?.id) throw new AppError('cannot_edit_self');
  if (body.operatorRole !== undefined && user.kind !== 'operator') {
    throw new AppError('validation_failed', {
      message: 'Only operators have an operator role.',
      issues: [{ path: 'operatorRole', message: 'This user is a customer.' }],
    });
  }
  const status = body.status ?? user.status;
  const operatorRole = body.operatorRole ?? user.operatorRole;
  const now = deps.clock.now();
  const disabled = user.status === 'active' && status === 'disabled';
  const before = held(user.operatorRole);
  const after = held(operatorRole);
  const lostRight = [...before].some((p) => !after.has(p));
  deps.db.transaction((tx) => {
    setUserStatusAndRole(tx, user.id, { status, operatorRole });
    if (disabled) {
      revokeSessionsOfUser(tx, user.id, 'user_disabled', now);
      endImpersonationsByActor(tx, user.id, 'actor_lost_permission', now, meta);
      endImpersonationsOfTarget(tx, user.id, 'target_unavailable', now, meta);
      endCredentialsFor(tx, user.id, 'user_disabled', now);
    }
    if (disabled || lostRight) endCredentialsMadeBy(tx, user.id, 'maker_lost_right', now);
    recordAudit(
      tx,
      {
        type: 'user.updated',
        at: now,
        ...auditParty(auth),
        subjectUserId: user.id,
        reason: body.reason,
        details: {
          before: { status: user.status, operatorRole: user.operatorRole },
          after: { status, operatorRole },
        },
      },
      meta,
    );
  });
  return {
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      kind: user.kind,
      status,
      operatorRole: operatorRole ?? null,
    },
  };
}

/**
 * A superadmin sets a profile's role, with a reason: the other way, besides the
 * organization's owner, to raise someone to admin or owner (SPEC §4b). The role's preset
 * permissions come with it.
 */
export function setRoleOfProfile(
  deps: AppDeps,
  auth: AuthContext,
  profileId: number,
  body: SetProfileRoleBody,
  meta: RequestMeta,
) {
  const found = findProfileWithUser(deps.db, profileId);
  if (!found) throw new AppError('not_found', { message: 'No such profile.' });
  const { profile, user } = found;
  const permissions = [...profileRolePresets[body.role]];
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    setProfileRole(tx, profile.id, { role: body.role, permissions });
    recordAudit(
      tx,
      {
        type: 'team.member_updated',
        at: now,
        ...auditParty(auth),
        subjectUserId: user.id,
        organizationId: profile.organizationId,
        reason: body.reason,
        details: {
          profileId: profile.id,
          before: { role: profile.role, permissions: profile.permissions },
          after: { role: body.role, permissions },
        },
      },
      meta,
    );
  });
  return { profileId: profile.id, role: body.role, permissions };
}
