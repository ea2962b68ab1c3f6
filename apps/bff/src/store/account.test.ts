import { profileRolePresets } from '@onbehalf/contracts/permissions';
import { describe, expect, it } from 'vitest';
import * as pg from './postgres/schema.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, customerWithProfile, insertRow, linked, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-1' };

type NewImpersonation = typeof impersonations.$inferInsert;

async function insertImpersonation(ts: TestStore, values: NewImpersonation) {
  if (ts.dialect === 'sqlite') ts.db.insert(impersonations).values(values).run();
  else await ts.db.insert(pg.impersonations).values(values);
}

async function impersonationRows(ts: TestStore) {
  if (ts.dialect === 'sqlite') return ts.db.select().from(impersonations).all();
  return ts.db.select().from(pg.impersonations);
}

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

/** An organization with an admin and a member, and `start` for an impersonation of someone. */
async function team(ts: TestStore) {
  const organization = await insertRow(ts, 'organizations', {
    name: 'acme',
    kind: 'company',
    impersonationEnabled: true,
    createdAt: 0,
  });
  const admin = await customerWithProfile(ts, {
    email: 'admin@acme.test',
    organization: organization.id,
    permissions: [...profileRolePresets.admin],
  });
  const jane = await customerWithProfile(ts, {
    email: 'jane@acme.test',
    organization: organization.id,
  });
  const adminSession = await session(ts, 'admin-session', admin.user.id);
  async function start(id: string, door: 'team' | 'operator', target = jane) {
    const own = await session(ts, `${id}-session`, target.user.id, id);
    await insertImpersonation(ts, {
      id,
      door,
      actorUserId: admin.user.id,
      actorProfileId: admin.profile.id,
      actorSessionId: adminSession.id,
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
  return { organization, admin, jane, start };
}

describe.each(dialects)('account on %s', (dialect) => {
  it('opting out ends the running team impersonations of the profile, each audited, with the change', async () => {
    const ts = await freshStore(dialect);
    const { jane, organization, start } = await team(ts);
    await start('team-1', 'team');
    await start('operator-1', 'operator');

    await ts.store.account.setImpersonationPreference({
      profileId: jane.profile.id,
      before: true,
      allow: false,
      audit: {
        type: 'account.impersonation_preference_changed',
        at: T0 + MINUTE,
        actor: { userId: jane.user.id, kind: 'customer' },
        organizationId: organization.id,
        details: { profileId: jane.profile.id, before: true, after: false },
      },
      now: T0 + MINUTE,
      meta,
    });

    const profile = (await rowsOf(ts, 'profiles')).find((p) => p.id === jane.profile.id);
    expect(profile?.allowTeamImpersonation).toBe(false);
    const rows = await impersonationRows(ts);
    expect(rows.find((r) => r.id === 'team-1')).toMatchObject({
      endedAt: T0 + MINUTE,
      endReason: 'target_opted_out',
    });
    expect(rows.find((r) => r.id === 'operator-1')?.endedAt).toBeNull();
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual([
      'impersonation.ended',
      'account.impersonation_preference_changed',
    ]);
    expect(trail[1]).toMatchObject({
      actorUserId: jane.user.id,
      organizationId: organization.id,
      details: { profileId: jane.profile.id, before: true, after: false },
    });
    expect(linked(trail)).toBe(true);
  });

  it('opting back in ends nothing and is audited', async () => {
    const ts = await freshStore(dialect);
    const { jane, start } = await team(ts);
    await start('team-1', 'team');
    await ts.store.account.setImpersonationPreference({
      profileId: jane.profile.id,
      before: true,
      allow: true,
      audit: { type: 'account.impersonation_preference_changed', at: T0 },
      now: T0,
      meta,
    });
    expect((await impersonationRows(ts))[0]?.endedAt).toBeNull();
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual([
      'account.impersonation_preference_changed',
    ]);
  });

  it('an opt-out decided on a setting changed meanwhile loses, writing and ending nothing', async () => {
    const ts = await freshStore(dialect);
    const { jane, start } = await team(ts);
    await start('team-1', 'team');
    // Read as opted out already (another tab opted out, then back in): the write is refused.
    const outcome = await ts.store.account.setImpersonationPreference({
      profileId: jane.profile.id,
      before: false,
      allow: false,
      audit: { type: 'account.impersonation_preference_changed', at: T0 },
      now: T0,
      meta,
    });
    expect(outcome).toBe('lost_race');
    const profile = (await rowsOf(ts, 'profiles')).find((p) => p.id === jane.profile.id);
    expect(profile?.allowTeamImpersonation).toBe(true);
    expect((await impersonationRows(ts))[0]?.endedAt).toBeNull();
    expect(await auditTrail(ts)).toEqual([]);
  });

  it('a password change ends credentials, impersonations and the other sessions, and is audited', async () => {
    const ts = await freshStore(dialect);
    const { jane, admin, start } = await team(ts);
    await start('team-1', 'team');
    await session(ts, 'jane-here', jane.user.id);
    await session(ts, 'jane-elsewhere', jane.user.id);
    await insertRow(ts, 'oneClickLinks', {
      id: 'link-1',
      secretHash: 'link-hash',
      credentialFingerprint: 'fp',
      userId: jane.user.id,
      profileId: jane.profile.id,
      createdByUserId: admin.user.id,
      createdAt: T0,
      expiresAt: T0 + 60 * MINUTE,
    });

    const outcome = await ts.store.account.changePassword({
      userId: jane.user.id,
      previousHash: 'hash-1',
      passwordHash: 'hash-2',
      keepSessionId: 'jane-here',
      audit: {
        type: 'account.password_changed',
        at: T0 + MINUTE,
        actor: { userId: jane.user.id, kind: 'customer' },
      },
      now: T0 + MINUTE,
      meta,
    });

    expect(outcome).toBe('changed');
    const user = (await rowsOf(ts, 'users')).find((u) => u.id === jane.user.id);
    expect(user).toMatchObject({ passwordHash: 'hash-2', passwordChangedAt: T0 + MINUTE });
    const sessions = new Map((await rowsOf(ts, 'sessions')).map((s) => [s.id, s]));
    expect(sessions.get('jane-here')?.revokedAt).toBeNull();
    expect(sessions.get('jane-elsewhere')).toMatchObject({
      revokedAt: T0 + MINUTE,
      revokedReason: 'password_changed',
    });
    expect(sessions.get('admin-session')?.revokedAt).toBeNull();
    expect((await rowsOf(ts, 'oneClickLinks'))[0]).toMatchObject({
      revokedAt: T0 + MINUTE,
      revokedReason: 'password_changed',
    });
    expect((await impersonationRows(ts))[0]).toMatchObject({
      endedAt: T0 + MINUTE,
      endReason: 'revoked',
    });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['impersonation.ended', 'account.password_changed']);
    expect(trail[1]?.actorUserId).toBe(jane.user.id);
    expect(linked(trail)).toBe(true);
  });

  it('a password change signs out the live sessions only, and ends what they started', async () => {
    const ts = await freshStore(dialect);
    const { admin, start } = await team(ts);
    // The admin's session that started an impersonation, the one changing the password, and
    // sessions of long ago that expired (never revoked): those stay as they are.
    await start('team-1', 'team');
    await session(ts, 'admin-here', admin.user.id);
    for (let i = 0; i < 3; i++) {
      await insertRow(ts, 'sessions', {
        id: `admin-expired-${i}`,
        tokenHash: `hash-of-admin-expired-${i}`,
        userId: admin.user.id,
        profileId: null,
        method: 'password',
        createdAt: T0 - 24 * 60 * MINUTE,
        expiresAt: T0 - 12 * 60 * MINUTE,
        lastSeenAt: T0 - 24 * 60 * MINUTE,
      });
    }
    const now = T0 + MINUTE;
    const outcome = await ts.store.account.changePassword({
      userId: admin.user.id,
      previousHash: 'hash-1',
      passwordHash: 'hash-2',
      keepSessionId: 'admin-here',
      audit: {
        type: 'account.password_changed',
        at: now,
        actor: { userId: admin.user.id, kind: 'customer' },
      },
      now,
      meta,
    });
    expect(outcome).toBe('changed');
    const rows = new Map((await rowsOf(ts, 'sessions')).map((s) => [s.id, s]));
    expect(rows.get('admin-session')).toMatchObject({
      revokedAt: now,
      revokedReason: 'password_changed',
    });
    expect(rows.get('admin-here')?.revokedAt).toBeNull();
    for (let i = 0; i < 3; i++) expect(rows.get(`admin-expired-${i}`)?.revokedAt).toBeNull();
    expect((await impersonationRows(ts))[0]).toMatchObject({
      endedAt: now,
      endReason: 'actor_session_ended',
    });
    expect(rows.get('team-1-session')?.revokedAt).toBe(now);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['impersonation.ended', 'account.password_changed']);
    expect(linked(trail)).toBe(true);
  });

  it('a password change from a password no longer current loses, writing nothing', async () => {
    const ts = await freshStore(dialect);
    const { jane } = await team(ts);
    await session(ts, 'jane-elsewhere', jane.user.id);
    const change = (passwordHash: string) =>
      ts.store.account.changePassword({
        userId: jane.user.id,
        previousHash: 'hash-1',
        passwordHash,
        keepSessionId: 'jane-here',
        audit: {
          type: 'account.password_changed',
          at: T0,
          actor: { userId: jane.user.id, kind: 'customer' },
        },
        now: T0,
        meta,
      });
    expect(await change('hash-2')).toBe('changed');
    await session(ts, 'jane-later', jane.user.id);
    expect(await change('hash-3')).toBe('lost_race');
    const user = (await rowsOf(ts, 'users')).find((u) => u.id === jane.user.id);
    expect(user?.passwordHash).toBe('hash-2');
    const later = (await rowsOf(ts, 'sessions')).find((s) => s.id === 'jane-later');
    expect(later?.revokedAt).toBeNull();
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['account.password_changed']);
  });

  if (dialect === 'postgres') {
    it('of password changes from one password on several processes, exactly one wins', async () => {
      const ts = await freshStore('postgres');
      const { jane } = await team(ts);
      const outcomes = await onSeveralProcesses(ts, 4, (stores) =>
        Promise.all(
          stores.map((store, i) =>
            store.account.changePassword({
              userId: jane.user.id,
              previousHash: 'hash-1',
              passwordHash: `hash-new-${i}`,
              keepSessionId: 'none',
              audit: {
                type: 'account.password_changed',
                at: T0,
                actor: { userId: jane.user.id, kind: 'customer' },
              },
              now: T0,
              meta,
            }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o === 'changed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'lost_race')).toHaveLength(3);
      const trail = await auditTrail(ts);
      expect(trail.map((e) => e.type)).toEqual(['account.password_changed']);
    });
  }
});
