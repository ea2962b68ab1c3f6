import { type ProfileRole, profileRolePresets } from '@onbehalf/contracts/permissions';
import { describe, expect, it } from 'vitest';
import type { RoleAsRead, UpdateMember } from '../features/team/team.store.ts';
import type { Store } from './store.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, countOf, insertRow, linked, rowWhere } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

/**
 * A role or permission change and the impersonations it no longer allows (ADR 023): they end in
 * the change's transaction, each audited, the policy's per-request re-check deciding which; and
 * the change is a compare-and-set on the member and the editor as the decision read them.
 */

const T0 = 1_700_000_000_000;
const T1 = T0 + 60_000;
const MINUTE = 60_000;
const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-1' };

async function session(ts: TestStore, id: string, userId: number, impersonationId?: string) {
  return insertRow(ts, 'sessions', {
    id,
    tokenHash: `hash-of-${id}`,
    userId,
    profileId: null,
    method: impersonationId ? 'impersonation' : 'password',
    createdAt: T0,
    expiresAt: T0 + 60 * MINUTE,
    lastSeenAt: T0,
    impersonationId: impersonationId ?? null,
  });
}

type Person = Awaited<ReturnType<typeof person>>;

async function person(ts: TestStore, organizationId: number, email: string, role: ProfileRole) {
  const user = await insertRow(ts, 'users', {
    email,
    name: email.split('@')[0] ?? email,
    kind: 'customer',
    createdAt: 0,
  });
  const profile = await insertRow(ts, 'profiles', {
    userId: user.id,
    organizationId,
    role,
    permissions: [...profileRolePresets[role]],
    createdAt: 0,
  });
  return { user, profile };
}

/** An organization with the team door open: two owners, an admin and two members. */
async function team(ts: TestStore, name = 'acme') {
  const organization = await insertRow(ts, 'organizations', {
    name,
    kind: 'company',
    impersonationEnabled: true,
    createdAt: 0,
  });
  const at = (who: string) => `${who}@${name}.test`;
  const owner = await person(ts, organization.id, at('owner'), 'owner');
  const coOwner = await person(ts, organization.id, at('co-owner'), 'owner');
  const admin = await person(ts, organization.id, at('admin'), 'admin');
  const jane = await person(ts, organization.id, at('jane'), 'member');
  const bob = await person(ts, organization.id, at('bob'), 'member');
  /** A running team impersonation of `target` by `actor`, from a live session of the actor's. */
  async function start(id: string, actor: Person, target: Person) {
    const actorSession = await session(ts, `${id}-actor`, actor.user.id);
    const own = await session(ts, `${id}-session`, target.user.id, id);
    await insertRow(ts, 'impersonations', {
      id,
      door: 'team',
      actorUserId: actor.user.id,
      actorProfileId: actor.profile.id,
      actorSessionId: actorSession.id,
      targetUserId: target.user.id,
      targetProfileId: target.profile.id,
      organizationId: organization.id,
      handoffTokenHash: `handoff-${id}`,
      handoffExpiresAt: T0 + MINUTE,
      handoffUsedAt: T0,
      sessionId: own.id,
      issuedAt: T0,
      startedAt: T0,
      endsAt: T0 + 60 * MINUTE,
    });
  }
  return { organization, owner, coOwner, admin, jane, bob, start };
}

const asRead = (p: Person): RoleAsRead => ({
  profileId: p.profile.id,
  role: p.profile.role,
  permissions: p.profile.permissions,
});

/** `editor` sets `member`'s role (with its preset), deciding on the two as `asRead` gives them. */
function roleChange(
  editor: Person,
  member: Person,
  role: ProfileRole,
  organizationId: number,
): UpdateMember {
  return {
    profileId: member.profile.id,
    before: asRead(member),
    editor: asRead(editor),
    role,
    permissions: [...profileRolePresets[role]],
    audit: {
      type: 'team.member_updated',
      at: T1,
      actor: { userId: editor.user.id, kind: 'customer' },
      subjectUserId: member.user.id,
      organizationId,
      details: { profileId: member.profile.id, after: { role } },
    },
    now: T1,
    meta,
  };
}

const impersonation = (ts: TestStore, id: string) => rowWhere(ts, 'impersonations', { id });

describe.each(dialects)('role changes on %s', (dialect) => {
  it("demoting a team admin ends their running team impersonations with the change, each audited; others' run on", async () => {
    const ts = await freshStore(dialect);
    const { organization, owner, admin, jane, bob, start } = await team(ts);
    await start('admin-as-jane', admin, jane);
    await start('owner-as-bob', owner, bob);

    const change = roleChange(owner, admin, 'member', organization.id);
    expect(await ts.store.team.updateMember(change)).toBe('updated');

    expect(await impersonation(ts, 'admin-as-jane')).toMatchObject({
      endedAt: T1,
      endReason: 'actor_lost_permission',
    });
    expect(await rowWhere(ts, 'sessions', { id: 'admin-as-jane-session' })).toMatchObject({
      revokedAt: T1,
      revokedReason: 'impersonation_actor_lost_permission',
    });
    expect((await impersonation(ts, 'owner-as-bob')).endedAt).toBeNull();
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.details?.endReason])).toEqual([
      ['impersonation.ended', 'actor_lost_permission'],
      ['team.member_updated', undefined],
    ]);
    expect(linked(trail)).toBe(true);
  });

  it('raising the member acted as past what the actor holds ends it; a raise the actor still covers does not', async () => {
    const ts = await freshStore(dialect);
    const { organization, owner, admin, jane, start } = await team(ts);
    await start('admin-as-jane', admin, jane);

    // Admin's rights cover an admin's: the policy still allows it, it runs on.
    const toAdmin = roleChange(owner, jane, 'admin', organization.id);
    expect(await ts.store.team.updateMember(toAdmin)).toBe('updated');
    expect((await impersonation(ts, 'admin-as-jane')).endedAt).toBeNull();

    // An owner holds team:settings, which the admin does not: that would be upward.
    const nowAdmin = await rowWhere(ts, 'profiles', { id: jane.profile.id });
    const toOwner = roleChange(owner, { ...jane, profile: nowAdmin }, 'owner', organization.id);
    expect(await ts.store.team.updateMember(toOwner)).toBe('updated');
    expect(await impersonation(ts, 'admin-as-jane')).toMatchObject({
      endedAt: T1,
      endReason: 'actor_lost_permission',
    });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual([
      'team.member_updated',
      'impersonation.ended',
      'team.member_updated',
    ]);
    expect(linked(trail)).toBe(true);
  });

  it('a superadmin setting a role ends what the change no longer allows, too', async () => {
    const ts = await freshStore(dialect);
    const { organization, admin, jane, start } = await team(ts);
    await start('admin-as-jane', admin, jane);
    const root = await insertRow(ts, 'users', {
      email: 'root@onbehalf.test',
      name: 'Root',
      kind: 'operator',
      operatorRole: 'superadmin',
      createdAt: 0,
    });
    const outcome = await ts.store.users.setProfileRole({
      profileId: admin.profile.id,
      beforeRole: 'admin',
      beforePermissions: admin.profile.permissions,
      role: 'member',
      permissions: [...profileRolePresets.member],
      audit: {
        type: 'team.member_updated',
        at: T1,
        actor: { userId: root.id, kind: 'operator' },
        organizationId: organization.id,
        reason: 'left the team',
      },
      now: T1,
      meta,
    });
    expect(outcome).toBe('updated');
    expect(await impersonation(ts, 'admin-as-jane')).toMatchObject({
      endedAt: T1,
      endReason: 'actor_lost_permission',
    });
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'impersonation.ended',
      'team.member_updated',
    ]);
  });

  it('a change decided on a member as they no longer are loses and writes nothing', async () => {
    const ts = await freshStore(dialect);
    const { organization, owner, admin, jane, start } = await team(ts);
    await start('admin-as-jane', admin, jane);
    // Read while the admin had fewer rights than they now have: same role, other permissions.
    const stale = {
      ...admin,
      profile: { ...admin.profile, permissions: ['orders:read' as const] },
    };
    const change = roleChange(owner, stale, 'member', organization.id);
    expect(await ts.store.team.updateMember(change)).toBe('lost_race');

    expect(await rowWhere(ts, 'profiles', { id: admin.profile.id })).toMatchObject({
      role: 'admin',
      permissions: [...profileRolePresets.admin],
    });
    expect((await impersonation(ts, 'admin-as-jane')).endedAt).toBeNull();
    expect(await auditTrail(ts)).toEqual([]);
  });

  it('of two owners demoting each other, the one decided while its editor was still an owner loses: an owner remains', async () => {
    const ts = await freshStore(dialect);
    const { organization, owner, coOwner } = await team(ts);
    const first = roleChange(owner, coOwner, 'admin', organization.id);
    const second = roleChange(coOwner, owner, 'admin', organization.id);
    expect(await ts.store.team.updateMember(first)).toBe('updated');
    expect(await ts.store.team.updateMember(second)).toBe('lost_race');
    expect(await countOf(ts, 'profiles', { organizationId: organization.id, role: 'owner' })).toBe(
      1,
    );
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['team.member_updated']);
  });

  if (dialect === 'postgres') {
    it('on several processes, of owners demoting each other at once exactly one of each pair wins', async () => {
      const ts = await freshStore('postgres');
      const pairs = await Promise.all(
        ['a', 'b', 'c', 'd', 'e'].map(async (name) => team(ts, `org-${name}`)),
      );
      const outcomes = await onSeveralProcesses(ts, 2, ([one, two]) =>
        Promise.all(
          pairs.flatMap(({ organization, owner, coOwner }) => [
            (one as Store).team.updateMember(roleChange(owner, coOwner, 'admin', organization.id)),
            (two as Store).team.updateMember(roleChange(coOwner, owner, 'admin', organization.id)),
          ]),
        ),
      );
      expect(outcomes.filter((o) => o === 'updated')).toHaveLength(pairs.length);
      for (const { organization } of pairs) {
        expect(
          await countOf(ts, 'profiles', { organizationId: organization.id, role: 'owner' }),
        ).toBe(1);
      }
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'team.member_updated')).toHaveLength(pairs.length);
      expect(linked(trail)).toBe(true);
    });
  }
});
