import { type OperatorRole, profileRolePresets } from '@onbehalf/contracts/permissions';
import type {
  AdminUsersResponse,
  OrganizationsResponse,
  SetProfileRoleBody,
  UpdateUserBody,
} from '@onbehalf/contracts/users';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { madeKindsEnding } from '../../domain/credentials/policy.ts';
import { impersonationBlock } from '../../domain/impersonation/policy.ts';
import type { Principal } from '../../http/principal.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { policyActor, policyTarget } from '../../lib/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import { hashPassword } from '../../lib/passwords.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { refuseRealPersonOnTestDatabase } from '../test-mode/test-people.ts';

/** How often a change decided from a row another request changed meanwhile is decided anew. */
const ATTEMPTS = 3;

/**
 * Admin › Users: search, with whether the calling operator may impersonate each one. An
 * integration's API key is no one, so it may impersonate no one.
 */
export async function listUsers(
  deps: AppDeps,
  principal: Principal,
  page: { query?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<AdminUsersResponse> {
  const rows = await deps.store.users.search({
    ...page,
    after: decodeCursor(page.cursor, ['string', 'number'] as const),
    organizationIds: principal.kind === 'api_key' ? principal.key.organizationIds : undefined,
  });
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.sortName, r.user.id]);
  const found = items.map((r) => r.user);
  // A key sees a person's profiles in its own organizations only, not where else they work.
  const keyOrganizations = principal.kind === 'api_key' ? principal.key.organizationIds : null;
  const profiles = (await deps.store.users.profilesOf(found.map((u) => u.id))).filter(
    (p) => keyOrganizations === null || keyOrganizations.includes(p.organization.id),
  );
  const enabled = (await deps.store.settings.read()).operatorImpersonation.enabled;
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

/**
 * A superadmin disables or enables a user, or changes an operator's role, with a reason
 * (audited). Disabling ends everything the person holds and everything held for them: their
 * sessions, impersonations by and of them, the credentials made for them, and the credentials
 * and API keys they made (SPEC §4b: credentials die with the right to them). An operator who
 * loses the right to make a kind of credential loses what they made of that kind, and only that.
 */
export async function updateUser(
  deps: AppDeps,
  auth: AuthContext,
  userId: number,
  body: UpdateUserBody,
  meta: RequestMeta,
) {
  for (let attempt = 1; ; attempt++) {
    const user = await deps.store.users.userById(userId);
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
    const outcome = await deps.store.users.updateUser({
      userId: user.id,
      before: { status: user.status, operatorRole: user.operatorRole },
      after: { status, operatorRole },
      disabled,
      endCredentialsMade: madeKindsEnding(
        { status: user.status, operatorRole: user.operatorRole },
        { status, operatorRole },
      ),
      audit: {
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
      now,
      meta,
    });
    if (outcome === 'updated') {
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
    // Another change came between reading the user and writing: decide again from it.
    if (attempt === ATTEMPTS) throw new AppError('conflict');
  }
}

/**
 * A superadmin sets a profile's role, with a reason: the other way, besides the
 * organization's owner, to raise someone to admin or owner (SPEC §4b). The role's preset
 * permissions come with it.
 */
export async function setRoleOfProfile(
  deps: AppDeps,
  auth: AuthContext,
  profileId: number,
  body: SetProfileRoleBody,
  meta: RequestMeta,
) {
  const permissions = [...profileRolePresets[body.role]];
  for (let attempt = 1; ; attempt++) {
    const found = await deps.store.users.profileWithUser(profileId);
    if (!found) throw new AppError('not_found', { message: 'No such profile.' });
    const { profile, user } = found;
    const now = deps.clock.now();
    const outcome = await deps.store.users.setProfileRole({
      profileId: profile.id,
      beforeRole: profile.role,
      beforePermissions: profile.permissions,
      role: body.role,
      permissions,
      audit: {
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
      now,
      meta,
    });
    if (outcome === 'updated') return { profileId: profile.id, role: body.role, permissions };
    // Another change came between reading the profile and writing: decide again from it.
    if (attempt === ATTEMPTS) throw new AppError('conflict');
  }
}

/** Organizations a search shows at most: a picker, narrowed by typing, not paged. */
export const ORGANIZATIONS_SHOWN = 50;

/** Organizations whose name holds the text, by name; at most 50, and whether there are more. */
export async function listOrganizations(
  deps: AppDeps,
  query: string | undefined,
): Promise<OrganizationsResponse> {
  const rows = await deps.store.users.organizations(query, ORGANIZATIONS_SHOWN + 1);
  return {
    organizations: rows.slice(0, ORGANIZATIONS_SHOWN),
    more: rows.length > ORGANIZATIONS_SHOWN,
  };
}

/**
 * A new operator, made from the command line (`pnpm cli create-operator`): how a deployment
 * gets its first superadmin, since production seeds no demo (ADR 033), and how more are made
 * without one. Audited as a provisioning by the system; an address already taken is a conflict.
 */
export async function createOperator(
  deps: Pick<AppDeps, 'env' | 'store'>,
  person: { email: string; name: string; password: string; operatorRole: OperatorRole },
  now: number,
  meta: RequestMeta,
): Promise<number> {
  const email = person.email.toLowerCase();
  await refuseRealPersonOnTestDatabase(deps, email);
  const created = await deps.store.users.createOperator({
    email,
    name: person.name,
    passwordHash: await hashPassword(person.password),
    operatorRole: person.operatorRole,
    audit: (userId) => ({
      type: 'user.provisioned',
      at: now,
      actor: { userId: null, kind: 'system' },
      subjectUserId: userId,
      details: { operatorRole: person.operatorRole, via: 'command line' },
    }),
    now,
    meta,
  });
  if (created === 'taken') {
    throw new AppError('conflict', { message: `An account with email ${email} exists already.` });
  }
  return created;
}
