import { describe, expect, it } from 'vitest';
import type { SwitchProfile } from '../features/profiles/profiles.store.ts';
import { newSession } from '../lib/session-row.ts';
import * as pg from './postgres/schema.ts';
import { auditEvents } from './sqlite/schema/audit-events.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, customerWithProfile, insertRow, linked, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };

/** Jane with profiles in three organizations, two of them namesakes; a coworker in one. */
async function world(ts: TestStore) {
  const organization = (name: string) =>
    insertRow(ts, 'organizations', { name, kind: 'company', createdAt: 0 });
  const zeta = await organization('Zeta');
  const acmeB = await organization('Acme');
  const acmeA = await organization('Acme');
  const jane = await customerWithProfile(ts, { email: 'jane@acme.test', organization: zeta.id });
  const inAcmeA = await insertRow(ts, 'profiles', {
    userId: jane.user.id,
    organizationId: acmeA.id,
    role: 'admin',
    permissions: ['orders:read', 'team:read'],
    createdAt: 0,
  });
  const inAcmeB = await insertRow(ts, 'profiles', {
    userId: jane.user.id,
    organizationId: acmeB.id,
    role: 'member',
    permissions: ['orders:read'],
    createdAt: 0,
  });
  const john = await customerWithProfile(ts, { email: 'john@acme.test', organization: acmeA.id });
  const { session } = newSession({
    userId: jane.user.id,
    profileId: jane.profile.id,
    method: 'password',
    now: T0,
    meta,
  });
  await insertRow(ts, 'sessions', session);
  return { zeta, acmeA, acmeB, jane, inAcmeA, inAcmeB, john, session };
}

/** The session each audit event names, in the order they were appended. */
async function auditSessions(ts: TestStore): Promise<(string | null)[]> {
  if (ts.dialect === 'sqlite') {
    return ts.db
      .select({ sessionId: auditEvents.sessionId })
      .from(auditEvents)
      .orderBy(auditEvents.id)
      .all()
      .map((e) => e.sessionId);
  }
  const rows = await ts.db
    .select({ sessionId: pg.auditEvents.sessionId })
    .from(pg.auditEvents)
    .orderBy(pg.auditEvents.id);
  return rows.map((e) => e.sessionId);
}

function switchTo(w: Awaited<ReturnType<typeof world>>, profileId: number): SwitchProfile {
  return {
    replacing: w.session.id,
    session: {
      userId: w.jane.user.id,
      profileId,
      method: 'password',
      now: T0 + 1000,
      meta,
      expiresAt: w.session.expiresAt,
    },
    audit: {
      type: 'profile.switched',
      at: T0 + 1000,
      actor: { userId: w.jane.user.id, kind: 'customer' },
      subjectUserId: w.jane.user.id,
      organizationId: w.acmeA.id,
      details: { from: w.jane.profile.id, to: profileId, previousSession: w.session.id },
    },
    now: T0 + 1000,
    meta,
  };
}

describe.each(dialects)('profiles store on %s', (dialect) => {
  it("lists a user's own profiles by organization name, namesakes by organization id", async () => {
    const ts = await freshStore(dialect);
    const w = await world(ts);
    const own = await ts.store.profiles.ofUser(w.jane.user.id);
    expect(own.map((r) => [r.organization.name, r.organization.id, r.profile.id])).toEqual([
      ['Acme', w.acmeB.id, w.inAcmeB.id],
      ['Acme', w.acmeA.id, w.inAcmeA.id],
      ['Zeta', w.zeta.id, w.jane.profile.id],
    ]);
    expect(own[0]?.user).toEqual({
      id: w.jane.user.id,
      name: 'jane',
      email: 'jane@acme.test',
      status: 'active',
    });
    expect(await ts.store.profiles.ofUser(2 ** 40)).toEqual([]);
  });

  it('lists coworkers as the team page does, leaving the caller out', async () => {
    const ts = await freshStore(dialect);
    const w = await world(ts);
    const page = { limit: 10, except: w.jane.user.id };
    const coworkers = await ts.store.profiles.coworkers(w.acmeA.id, page);
    expect(coworkers.map((r) => r.user.name)).toEqual(['john']);
    expect(coworkers).toEqual(await ts.store.team.members(w.acmeA.id, page));
    expect(await ts.store.profiles.coworkers(w.acmeA.id, { ...page, query: 'jane' })).toEqual([]);
  });

  it('switching replaces the session once and audits it with the new session; again loses', async () => {
    const ts = await freshStore(dialect);
    const w = await world(ts);
    const switched = await ts.store.profiles.switchTo(switchTo(w, w.inAcmeA.id));
    if (switched === 'lost_race') throw new Error('the first switch lost');
    expect(switched.session).toMatchObject({
      userId: w.jane.user.id,
      profileId: w.inAcmeA.id,
      expiresAt: w.session.expiresAt,
      revokedAt: null,
    });
    const sessions = await rowsOf(ts, 'sessions');
    expect(sessions.find((s) => s.id === w.session.id)).toMatchObject({
      revokedAt: T0 + 1000,
      revokedReason: 'rotated',
    });
    expect(sessions.map((s) => s.id).sort()).toEqual([w.session.id, switched.session.id].sort());

    expect(await ts.store.profiles.switchTo(switchTo(w, w.inAcmeB.id))).toBe('lost_race');
    expect(await rowsOf(ts, 'sessions')).toHaveLength(2);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.actorUserId, e.organizationId, e.details])).toEqual([
      [
        'profile.switched',
        w.jane.user.id,
        w.acmeA.id,
        { from: w.jane.profile.id, to: w.inAcmeA.id, previousSession: w.session.id },
      ],
    ]);
    expect(await auditSessions(ts)).toEqual([switched.session.id]);
  });
});

describe('profiles store on several PostgreSQL processes', () => {
  it('of concurrent switches from one session exactly one mints a session', async () => {
    const ts = await freshStore('postgres');
    const w = await world(ts);
    const outcomes = await onSeveralProcesses(ts, 4, (stores) =>
      Promise.all(
        [...stores, ...stores].map((store) => store.profiles.switchTo(switchTo(w, w.inAcmeA.id))),
      ),
    );
    const winners = outcomes.filter((o) => o !== 'lost_race');
    expect(winners).toHaveLength(1);
    const sessions = await rowsOf(ts, 'sessions');
    expect(sessions.map((s) => s.id).sort()).toEqual([w.session.id, winners[0]?.session.id].sort());
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['profile.switched']);
    expect(linked(trail)).toBe(true);
    expect(await auditSessions(ts)).toEqual([winners[0]?.session.id]);
  });
});
