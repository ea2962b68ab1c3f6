import type { EndReason, ImpersonationDoor } from '@onbehalf/contracts/impersonation';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { profileRolePresets } from '@onbehalf/contracts/permissions';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { ImpersonationSession } from '../lib/running-impersonation.ts';
import type { SettingValue } from '../lib/settings.ts';
import { transaction } from './postgres/client.ts';
import * as postgres from './postgres/impersonations.ts';
import * as pg from './postgres/schema.ts';
import type { ImpersonationRow } from './rows.ts';
import * as sqlite from './sqlite/impersonations.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import { organizations } from './sqlite/schema/organizations.ts';
import { profiles } from './sqlite/schema/profiles.ts';
import { sessions } from './sqlite/schema/sessions.ts';
import { settings } from './sqlite/schema/settings.ts';
import { auditTrail, customerWithProfile, insertRow, operator, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

type NewImpersonation = typeof impersonations.$inferInsert;
type OperatorSetting = SettingValue<'impersonation.operator'>;

/**
 * Both adapters behind one shape, so each case below holds them to the same answers: the
 * SQLite functions of store/sqlite/impersonations.ts and their PostgreSQL twins.
 */
function lifecycleOn(ts: TestStore) {
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    const row = async (id: string) =>
      db.select().from(impersonations).where(eq(impersonations.id, id)).get();
    return {
      row,
      insert: async (values: NewImpersonation) => {
        db.insert(impersonations).values(values).run();
      },
      end: async (r: ImpersonationRow, reason: EndReason, now: number) =>
        db.transaction((tx) => sqlite.endImpersonation(tx, r, reason, now, meta)),
      endOfActorSession: async (id: string, reason: EndReason, now: number) =>
        db.transaction((tx) => sqlite.endImpersonationsOfActorSession(tx, id, reason, now, meta)),
      endOfTarget: async (userId: number, reason: EndReason, now: number) =>
        db.transaction((tx) => sqlite.endImpersonationsOfTarget(tx, userId, reason, now, meta)),
      endTeamOfProfile: async (profileId: number, reason: EndReason, now: number) =>
        db.transaction((tx) =>
          sqlite.endTeamImpersonationsOfProfile(tx, profileId, reason, now, meta),
        ),
      endOfCredential: async (
        credential: { kind: CredentialKind; id: string },
        reason: EndReason,
        now: number,
      ) =>
        db.transaction((tx) =>
          sqlite.endImpersonationsOfCredential(tx, credential, reason, now, meta),
        ),
      endByActor: async (userId: number, reason: EndReason, now: number) =>
        db.transaction((tx) => sqlite.endImpersonationsByActor(tx, userId, reason, now, meta)),
      endOfSession: async (id: string, reason: EndReason, now: number) =>
        db.transaction((tx) => sqlite.endImpersonationOfSession(tx, id, reason, now, meta)),
      shorten: async (door: ImpersonationDoor, limitMinutes: number) =>
        db.transaction((tx) =>
          sqlite.shortenImpersonations(tx, eq(impersonations.door, door), limitMinutes),
        ),
      settle: async (id: string, session: ImpersonationSession, now: number) =>
        sqlite.settleImpersonation(db, id, session, now, meta),
      operatorSetting: async (value: OperatorSetting) => {
        db.insert(settings)
          .values({ key: 'impersonation.operator', value, updatedAt: T0 })
          .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: T0 } })
          .run();
      },
      organization: async (id: number, patch: Partial<typeof organizations.$inferInsert>) => {
        db.update(organizations).set(patch).where(eq(organizations.id, id)).run();
      },
      profile: async (id: number, patch: Partial<typeof profiles.$inferInsert>) => {
        db.update(profiles).set(patch).where(eq(profiles.id, id)).run();
      },
    };
  }
  const { db, auditKey: key } = ts;
  const row = async (id: string) =>
    (await db.select().from(pg.impersonations).where(eq(pg.impersonations.id, id)))[0];
  return {
    row,
    insert: async (values: NewImpersonation) => {
      await db.insert(pg.impersonations).values(values);
    },
    end: (r: ImpersonationRow, reason: EndReason, now: number) =>
      transaction(db, (tx) => postgres.endImpersonation(tx, key, r, reason, now, meta)),
    endOfActorSession: (id: string, reason: EndReason, now: number) =>
      transaction(db, (tx) =>
        postgres.endImpersonationsOfActorSession(tx, key, id, reason, now, meta),
      ),
    endOfTarget: (userId: number, reason: EndReason, now: number) =>
      transaction(db, (tx) =>
        postgres.endImpersonationsOfTarget(tx, key, userId, reason, now, meta),
      ),
    endTeamOfProfile: (profileId: number, reason: EndReason, now: number) =>
      transaction(db, (tx) =>
        postgres.endTeamImpersonationsOfProfile(tx, key, profileId, reason, now, meta),
      ),
    endOfCredential: (
      credential: { kind: CredentialKind; id: string },
      reason: EndReason,
      now: number,
    ) =>
      transaction(db, (tx) =>
        postgres.endImpersonationsOfCredential(tx, key, credential, reason, now, meta),
      ),
    endByActor: (userId: number, reason: EndReason, now: number) =>
      transaction(db, (tx) =>
        postgres.endImpersonationsByActor(tx, key, userId, reason, now, meta),
      ),
    endOfSession: (id: string, reason: EndReason, now: number) =>
      transaction(db, (tx) => postgres.endImpersonationOfSession(tx, key, id, reason, now, meta)),
    shorten: (door: ImpersonationDoor, limitMinutes: number) =>
      transaction(db, (tx) =>
        postgres.shortenImpersonations(tx, eq(pg.impersonations.door, door), limitMinutes),
      ),
    settle: (id: string, session: ImpersonationSession, now: number) =>
      postgres.settleImpersonation(db, key, id, session, now, meta),
    operatorSetting: async (value: OperatorSetting) => {
      await db
        .insert(pg.settings)
        .values({ key: 'impersonation.operator', value, updatedAt: T0 })
        .onConflictDoUpdate({ target: pg.settings.key, set: { value, updatedAt: T0 } });
    },
    organization: async (id: number, patch: Partial<typeof pg.organizations.$inferInsert>) => {
      await db.update(pg.organizations).set(patch).where(eq(pg.organizations.id, id));
    },
    profile: async (id: number, patch: Partial<typeof pg.profiles.$inferInsert>) => {
      await db.update(pg.profiles).set(patch).where(eq(pg.profiles.id, id));
    },
  };
}

type Lifecycle = ReturnType<typeof lifecycleOn>;

async function must<T>(value: Promise<T | undefined>): Promise<T> {
  const found = await value;
  if (found === undefined) throw new Error('expected a row');
  return found;
}

/** A live session of `userId`, as the sign-in or the exchange would have left it. */
async function liveSession(
  ts: TestStore,
  id: string,
  values: {
    userId: number;
    profileId: number | null;
    impersonationId?: string;
    expiresAt?: number;
  },
) {
  return insertRow(ts, 'sessions', {
    id,
    tokenHash: `hash-of-${id}`,
    userId: values.userId,
    profileId: values.profileId,
    method: values.impersonationId ? 'impersonation' : 'password',
    createdAt: T0,
    expiresAt: values.expiresAt ?? T0 + 12 * 60 * MINUTE,
    lastSeenAt: T0,
    impersonationId: values.impersonationId ?? null,
  });
}

/**
 * An organization with the team door open, its admin (signed in) and two members; `start`
 * begins an impersonation of a member from the admin's session, session and all.
 */
async function team(ts: TestStore, life: Lifecycle, name = 'acme') {
  const organization = await insertRow(ts, 'organizations', {
    name,
    kind: 'company',
    impersonationEnabled: true,
    createdAt: 0,
  });
  const admin = await customerWithProfile(ts, {
    email: `admin@${name}.test`,
    organization: organization.id,
    permissions: [...profileRolePresets.admin],
  });
  const jane = await customerWithProfile(ts, {
    email: `jane@${name}.test`,
    organization: organization.id,
  });
  const john = await customerWithProfile(ts, {
    email: `john@${name}.test`,
    organization: organization.id,
  });
  const adminSession = await liveSession(ts, `${name}-admin-session`, {
    userId: admin.user.id,
    profileId: admin.profile.id,
  });
  let started = 0;
  async function start(
    target: typeof jane,
    options: Partial<NewImpersonation> & { actorSessionId?: string } = {},
  ) {
    const id = `${name}-imp-${++started}`;
    const session = await liveSession(ts, `${id}-session`, {
      userId: target.user.id,
      profileId: target.profile.id,
      impersonationId: id,
      expiresAt: T0 + 60 * MINUTE,
    });
    await life.insert({
      id,
      door: 'team',
      actorUserId: admin.user.id,
      actorProfileId: admin.profile.id,
      actorSessionId: adminSession.id,
      targetUserId: target.user.id,
      targetProfileId: target.profile.id,
      organizationId: organization.id,
      handoffTokenHash: `handoff-${id}`,
      handoffExpiresAt: T0 + MINUTE,
      handoffUsedAt: T0,
      sessionId: session.id,
      issuedAt: T0,
      startedAt: T0,
      endsAt: T0 + 60 * MINUTE,
      ...options,
    });
    return { id, session, row: await must(life.row(id)) };
  }
  return { organization, admin, jane, john, adminSession, start };
}

async function sessionOf(ts: TestStore, id: string) {
  return (await rowsOf(ts, 'sessions')).find((s) => s.id === id);
}

async function endedEvents(ts: TestStore) {
  return (await auditTrail(ts)).filter((e) => e.type === 'impersonation.ended');
}

describe.each(dialects)('the impersonation lifecycle on %s', (dialect) => {
  it('ends an impersonation once: its session revoked and one audit event; a second end is false', async () => {
    const ts = await freshStore(dialect);
    const life = lifecycleOn(ts);
    const { jane, admin, start } = await team(ts, life);
    const { id, row, session } = await start(jane, { reason: 'checking an order' });
    const now = T0 + 5 * MINUTE + 400;

    expect(await life.end(row, 'left', now)).toBe(true);
    // The row it was given is stale now; the compare-and-set on ended_at still says no.
    expect(await life.end(row, 'expired', now + 1)).toBe(false);

    expect(await life.row(id)).toMatchObject({ endedAt: now, endReason: 'left' });
    expect(await sessionOf(ts, session.id)).toMatchObject({
      revokedAt: now,
      revokedReason: 'impersonation_left',
    });
    const events = await endedEvents(ts);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      at: now,
      actorUserId: admin.user.id,
      ip: meta.ip,
      details: { endReason: 'left', startedAt: T0, durationSeconds: 300 },
    });
  });

  it('ends by actor session, target, profile, credential, actor and session: only what matches and still runs', async () => {
    const ts = await freshStore(dialect);
    const life = lifecycleOn(ts);
    const acme = await team(ts, life, 'acme');
    const globex = await team(ts, life, 'globex');
    const now = T0 + MINUTE;

    // By the actor's own session: both of acme's admin, none of globex's.
    const a1 = await start(acme, 'jane');
    const a2 = await start(acme, 'john');
    const g1 = await start(globex, 'jane');
    await life.endOfActorSession(acme.adminSession.id, 'actor_signed_out', now);
    expect((await life.row(a1))?.endReason).toBe('actor_signed_out');
    expect((await life.row(a2))?.endReason).toBe('actor_signed_out');
    expect((await life.row(g1))?.endedAt).toBeNull();

    // By target: only started ones; an issued hand-off that never started is left alone.
    const started = await start(globex, 'john');
    const issuedOnly = await start(globex, 'john', { startedAt: null, sessionId: null });
    await life.endOfTarget(globex.john.user.id, 'revoked', now);
    expect((await life.row(started))?.endReason).toBe('revoked');
    expect((await life.row(issuedOnly))?.endedAt).toBeNull();

    // By profile: the team door only; an operator acting as the same profile goes on.
    const support = await operator(ts, 'support@onbehalf.test', 'support');
    const supportSession = await liveSession(ts, 'support-session', {
      userId: support.id,
      profileId: null,
    });
    const byTeam = await start(globex, 'jane');
    const byOperator = await start(globex, 'jane', {
      door: 'operator',
      actorUserId: support.id,
      actorProfileId: null,
      actorSessionId: supportSession.id,
      reason: 'ticket 42',
    });
    await life.endTeamOfProfile(globex.jane.profile.id, 'target_opted_out', now);
    expect((await life.row(byTeam))?.endReason).toBe('target_opted_out');
    expect((await life.row(g1))?.endReason).toBe('target_opted_out');
    expect((await life.row(byOperator))?.endedAt).toBeNull();

    // By credential: the one it names, not another of the same kind.
    const viaLink = await start(acme, 'jane', { credentialKind: 'one_click', credentialId: 'l-1' });
    const viaOther = await start(acme, 'jane', {
      credentialKind: 'one_click',
      credentialId: 'l-2',
    });
    await life.endOfCredential({ kind: 'one_click', id: 'l-1' }, 'revoked', now);
    expect((await life.row(viaLink))?.endReason).toBe('revoked');
    expect((await life.row(viaOther))?.endedAt).toBeNull();

    // By actor: everything that person runs, through any door.
    await life.endByActor(support.id, 'actor_lost_permission', now);
    expect((await life.row(byOperator))?.endReason).toBe('actor_lost_permission');
    expect((await life.row(viaOther))?.endedAt).toBeNull();

    // By the impersonation a session belongs to.
    await life.endOfSession(viaOther, 'revoked', now);
    expect((await life.row(viaOther))?.endReason).toBe('revoked');

    // Each ended with its own event; the ones already ended were not ended again.
    const endedIds = [a1, a2, started, byTeam, g1, viaLink, byOperator, viaOther];
    const events = await endedEvents(ts);
    expect(events).toHaveLength(endedIds.length);
    expect((await life.row(issuedOnly))?.endedAt).toBeNull();

    async function start(
      t: typeof acme,
      who: 'jane' | 'john',
      options: Partial<NewImpersonation> = {},
    ) {
      return (await t.start(t[who], options)).id;
    }
  });

  it('shortening brings the end forward to start + limit, and never later than it was', async () => {
    const ts = await freshStore(dialect);
    const life = lifecycleOn(ts);
    const { jane, john, start } = await team(ts, life);
    const long = await start(jane);
    const short = await start(john, { endsAt: T0 + 10 * MINUTE });
    // Its session was given the shorter end when it started.
    await updateSession(ts, short.session.id, { expiresAt: T0 + 10 * MINUTE });
    const ended = await start(jane, { endedAt: T0 + MINUTE, endReason: 'left' });

    await life.shorten('team', 30);

    expect((await life.row(long.id))?.endsAt).toBe(T0 + 30 * MINUTE);
    expect((await sessionOf(ts, long.session.id))?.expiresAt).toBe(T0 + 30 * MINUTE);
    expect((await life.row(short.id))?.endsAt).toBe(T0 + 10 * MINUTE);
    expect((await sessionOf(ts, short.session.id))?.expiresAt).toBe(T0 + 10 * MINUTE);
    expect((await life.row(ended.id))?.endsAt).toBe(T0 + 60 * MINUTE);
    expect((await sessionOf(ts, ended.session.id))?.expiresAt).toBe(T0 + 60 * MINUTE);

    // Raising the limit again lengthens nothing; another door's limit touches nothing here.
    await life.shorten('team', 60);
    await life.shorten('operator', 5);
    expect((await life.row(long.id))?.endsAt).toBe(T0 + 30 * MINUTE);
    expect((await sessionOf(ts, long.session.id))?.expiresAt).toBe(T0 + 30 * MINUTE);
  });

  it('the re-check lets a running impersonation serve, and says when it ends', async () => {
    const ts = await freshStore(dialect);
    const life = lifecycleOn(ts);
    const { jane, admin, organization, start } = await team(ts, life);
    const { id, session } = await start(jane);
    await life.organization(organization.id, { impersonationMaxMinutes: 20 });

    const settled = await life.settle(id, session, T0 + 5 * MINUTE);
    expect(settled).toEqual({
      context: {
        row: await life.row(id),
        actorUser: expect.objectContaining({ id: admin.user.id }),
        endsAt: T0 + 20 * MINUTE,
      },
    });
    // The re-check runs on every impersonated request: it never loads anyone's password hash.
    expect('context' in settled && settled.context.actorUser).not.toHaveProperty('passwordHash');
    // Past the organization's limit, it ends as expired.
    expect(await life.settle(id, session, T0 + 20 * MINUTE)).toEqual({ ended: 'expired' });
    expect(await life.settle('no-such-impersonation', session, T0)).toEqual({
      ended: 'target_unavailable',
    });
  });

  it.each([
    ['the door closed', 'setting_disabled', { organization: { impersonationEnabled: false } }],
    [
      'the actor lost the right',
      'actor_lost_permission',
      { actor: { permissions: ['orders:read'] } },
    ],
    ['the target opted out', 'target_opted_out', { target: { allowTeamImpersonation: false } }],
  ] as const)(
    'the re-check ends an impersonation once %s, audited, and keeps saying why',
    async (_, reason, change) => {
      const ts = await freshStore(dialect);
      const life = lifecycleOn(ts);
      const { jane, admin, organization, start } = await team(ts, life);
      const { id, session } = await start(jane);
      const now = T0 + 2 * MINUTE;
      if ('organization' in change) await life.organization(organization.id, change.organization);
      if ('actor' in change)
        await life.profile(admin.profile.id, { permissions: [...change.actor.permissions] });
      if ('target' in change) await life.profile(jane.profile.id, change.target);

      expect(await life.settle(id, session, now)).toEqual({ ended: reason });
      expect(await life.row(id)).toMatchObject({ endedAt: now, endReason: reason });
      expect(await sessionOf(ts, session.id)).toMatchObject({
        revokedAt: now,
        revokedReason: `impersonation_${reason}`,
      });
      // The next request is told the same, from the row, and nothing is ended or audited twice.
      expect(await life.settle(id, session, now + 1000)).toEqual({ ended: reason });
      const events = await endedEvents(ts);
      expect(events.map((e) => e.details?.endReason)).toEqual([reason]);
    },
  );

  it('the operator door asks the global setting: off by default, its limit when on', async () => {
    const ts = await freshStore(dialect);
    const life = lifecycleOn(ts);
    const { jane, start } = await team(ts, life);
    const support = await operator(ts, 'support@onbehalf.test', 'support');
    const supportSession = await liveSession(ts, 'support-session', {
      userId: support.id,
      profileId: null,
    });
    const asOperator = {
      door: 'operator',
      actorUserId: support.id,
      actorProfileId: null,
      actorSessionId: supportSession.id,
      reason: 'ticket 42',
    } as const;

    // Nothing stored: the safe default, off.
    const unset = await start(jane, asOperator);
    expect(await life.settle(unset.id, unset.session, T0 + MINUTE)).toEqual({
      ended: 'setting_disabled',
    });

    await life.operatorSetting({ enabled: true, maxMinutes: 15 });
    const running = await start(jane, asOperator);
    expect(await life.settle(running.id, running.session, T0 + MINUTE)).toMatchObject({
      context: { endsAt: T0 + 15 * MINUTE },
    });
    expect(await life.settle(running.id, running.session, T0 + 15 * MINUTE)).toEqual({
      ended: 'expired',
    });

    await life.operatorSetting({ enabled: false, maxMinutes: 15 });
    const stopped = await start(jane, asOperator);
    expect(await life.settle(stopped.id, stopped.session, T0 + MINUTE)).toEqual({
      ended: 'setting_disabled',
    });
  });

  it('the re-check ends it when the actor signed out of their own session', async () => {
    const ts = await freshStore(dialect);
    const life = lifecycleOn(ts);
    const { jane, adminSession, start } = await team(ts, life);
    const { id, session } = await start(jane);
    await updateSession(ts, adminSession.id, { revokedAt: T0, revokedReason: 'signed_out' });

    expect(await life.settle(id, session, T0 + MINUTE)).toEqual({ ended: 'actor_signed_out' });
    expect((await life.row(id))?.endReason).toBe('actor_signed_out');
  });
});

/** Changes a session's row directly, without going through the code under test. */
async function updateSession(
  ts: TestStore,
  id: string,
  patch: { expiresAt?: number; revokedAt?: number; revokedReason?: string },
) {
  if (ts.dialect === 'sqlite') {
    ts.db.update(sessions).set(patch).where(eq(sessions.id, id)).run();
  } else {
    await ts.db.update(pg.sessions).set(patch).where(eq(pg.sessions.id, id));
  }
}
