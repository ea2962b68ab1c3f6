import {
  type CustomerPermission,
  profileRolePresets,
  sortPermissions,
} from '@onbehalf/contracts/permissions';
import type {
  TeamMember,
  TeamMembersResponse,
  TeamSettings,
  UpdateTeamMemberBody,
  UpdateTeamSettingsBody,
} from '@onbehalf/contracts/team';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import { type Actor, impersonationBlock } from '../../domain/impersonation/policy.ts';
import { memberChangeBlock } from '../../domain/team/policy.ts';
import { auditParty } from '../../lib/audit-party.ts';
import { policyActor, policyTarget } from '../../lib/auth-context.ts';
import { AppError } from '../../lib/errors.ts';
import { decodeCursor, pageOf } from '../../lib/pagination.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { OrganizationRow } from '../../store/rows.ts';
import type { MemberRow } from './team.store.ts';

function activeProfile(auth: AuthContext) {
  if (!auth.profile) throw new AppError('profile_required');
  return auth.profile;
}

/** What every member's verdict on one page shares: the caller, asked about once per page. */
interface Asker {
  actor: Actor;
  doorOpen: boolean;
  profileId: number | undefined;
}

function askerOf(auth: AuthContext): Asker {
  return {
    actor: policyActor(auth),
    doorOpen: auth.profile?.organization.impersonationEnabled ?? false,
    profileId: auth.profile?.id,
  };
}

function toTeamMember(row: MemberRow, asker: Asker): TeamMember {
  return {
    profileId: row.profile.id,
    userId: row.user.id,
    name: row.user.name,
    email: row.user.email,
    status: row.user.status,
    role: row.profile.role,
    permissions: sortPermissions(row.profile.permissions),
    isSelf: row.profile.id === asker.profileId,
    allowTeamImpersonation: row.profile.allowTeamImpersonation,
    impersonation: verdict(row, asker),
  };
}

function verdict(row: MemberRow, asker: Asker): TeamMember['impersonation'] {
  const block = impersonationBlock({
    door: 'team',
    actor: asker.actor,
    target: policyTarget(
      { id: row.user.id, kind: 'customer', status: row.user.status, operatorRole: null },
      row.profile,
    ),
    doorOpen: asker.doorOpen,
  });
  return { allowed: block === null, reason: block };
}

/** A page of the team, in name order; `query` finds members by name or email. */
export async function listTeam(
  deps: AppDeps,
  auth: AuthContext,
  page: { query?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<TeamMembersResponse> {
  const profile = activeProfile(auth);
  const after = decodeCursor(page.cursor, ['string', 'number'] as const);
  const rows = await deps.store.team.members(profile.organizationId, { ...page, after });
  const { items, nextCursor } = pageOf(rows, page.limit, (r) => [r.profile.sortName, r.profile.id]);
  const asker = askerOf(auth);
  return {
    organization: { id: profile.organization.id, name: profile.organization.name },
    members: items.map((r) => toTeamMember(r, asker)),
    nextCursor,
  };
}

/**
 * Changes a member's role and/or permissions, under domain/team/policy.ts: only within your
 * organization; not yourself; owners changed and made only by owners; raising to admin (by
 * role or team rights) is the owner's act; nobody grants a permission they do not hold.
 */
export async function updateTeamMember(
  deps: AppDeps,
  auth: AuthContext,
  profileId: number,
  body: UpdateTeamMemberBody,
  meta: RequestMeta,
): Promise<TeamMember> {
  const actor = activeProfile(auth);
  const target = await deps.store.team.member(actor.organizationId, profileId);
  if (!target) throw new AppError('not_found', { message: 'No such team member.' });
  const role = body.role ?? target.profile.role;
  const permissions: CustomerPermission[] = sortPermissions(
    body.permissions ?? (body.role ? profileRolePresets[body.role] : target.profile.permissions),
  );
  const block = memberChangeBlock({
    editor: { profileId: actor.id, role: actor.role, permissions: auth.permissions },
    member: { ...target.profile, profileId: target.profile.id },
    after: { role, permissions },
  });
  if (block === 'permission_escalation') {
    const notHeld = permissions.filter(
      (p) => !target.profile.permissions.includes(p) && !auth.permissions.has(p),
    );
    throw new AppError(block, {
      message: `You cannot grant ${notHeld.join(', ')}: you do not hold it yourself.`,
    });
  }
  if (block) throw new AppError(block);
  const before = new Set(target.profile.permissions);

  const now = deps.clock.now();
  // A compare-and-set on what was decided on: the member and the editor as read. Running
  // impersonations the change no longer allows end with it (the store asks the policy).
  const outcome = await deps.store.team.updateMember({
    profileId: target.profile.id,
    before: {
      profileId: target.profile.id,
      role: target.profile.role,
      permissions: target.profile.permissions,
    },
    editor: { profileId: actor.id, role: actor.role, permissions: actor.permissions },
    role,
    permissions,
    audit: {
      type: 'team.member_updated',
      at: now,
      ...auditParty(auth),
      subjectUserId: target.user.id,
      organizationId: actor.organizationId,
      details: {
        profileId: target.profile.id,
        before: { role: target.profile.role, permissions: sortPermissions(before) },
        after: { role, permissions },
      },
    },
    now,
    meta,
  });
  if (outcome === 'lost_race') throw changedMeanwhile();

  return toTeamMember(
    { ...target, profile: { ...target.profile, role, permissions } },
    askerOf(auth),
  );
}

/** Another change to the member (or to the editor) came between reading and writing. */
function changedMeanwhile() {
  return new AppError('conflict', {
    message: 'This member was changed by someone else meanwhile. Reload and try again.',
  });
}

function settingsOf(organization: OrganizationRow): TeamSettings {
  return {
    impersonationEnabled: organization.impersonationEnabled,
    impersonationMaxMinutes: organization.impersonationMaxMinutes,
    selfServiceLinksEnabled: organization.selfServiceLinksEnabled,
    integrationsEnabled: organization.integrationsEnabled,
  };
}

export function teamSettingsOf(auth: AuthContext): TeamSettings {
  return settingsOf(activeProfile(auth).organization);
}

/** Owners switch the team door for their organization. */
export function updateTeamSettings(
  deps: AppDeps,
  auth: AuthContext,
  body: UpdateTeamSettingsBody,
  meta: RequestMeta,
): Promise<TeamSettings> {
  return applyOrganizationSettings(deps, auth, activeProfile(auth).organization, body, meta);
}

/** Operators with settings:manage change any organization's settings (SPEC §4 rule 1). */
export async function organizationSettingsFor(
  deps: AppDeps,
  organizationId: number,
): Promise<TeamSettings> {
  const organization = await deps.store.team.organization(organizationId);
  if (!organization) throw new AppError('not_found', { message: 'No such organization.' });
  return settingsOf(organization);
}

export async function updateOrganizationSettingsAsOperator(
  deps: AppDeps,
  auth: AuthContext,
  organizationId: number,
  body: UpdateTeamSettingsBody,
  meta: RequestMeta,
): Promise<TeamSettings> {
  const organization = await deps.store.team.organization(organizationId);
  if (!organization) throw new AppError('not_found', { message: 'No such organization.' });
  return applyOrganizationSettings(deps, auth, organization, body, meta);
}

/**
 * One way to change an organization's settings, whoever does it: audited with before and
 * after, and switching the team door off ends its running team impersonations.
 */
async function applyOrganizationSettings(
  deps: AppDeps,
  auth: AuthContext,
  organization: OrganizationRow,
  body: UpdateTeamSettingsBody,
  meta: RequestMeta,
): Promise<TeamSettings> {
  const before = settingsOf(organization);
  const after: TeamSettings = { ...before, ...body };
  const now = deps.clock.now();
  const outcome = await deps.store.team.updateOrganizationSettings({
    organizationId: organization.id,
    before,
    next: after,
    endTeamImpersonations: before.impersonationEnabled && !after.impersonationEnabled,
    // A lower limit shortens the impersonations running in this organization, at both doors.
    shortenTo:
      after.impersonationMaxMinutes < before.impersonationMaxMinutes
        ? after.impersonationMaxMinutes
        : null,
    audit: {
      type: 'settings.changed',
      at: now,
      ...auditParty(auth),
      organizationId: organization.id,
      details: { scope: 'organization', before, after },
    },
    now,
    meta,
  });
  // Written over, a door closed meanwhile would open again with no one having opened it.
  if (outcome === 'lost_race') throw settingsChangedMeanwhile();
  return after;
}

export function settingsChangedMeanwhile() {
  return new AppError('conflict', {
    message: 'These settings were changed by someone else meanwhile. Reload and try again.',
  });
}
