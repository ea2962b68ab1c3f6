import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { ExchangeHandoff, NewHandoff } from '../features/impersonation/impersonation.store.ts';
import type { AuditEntry } from '../lib/audit-event.ts';
import { sha256 } from '../lib/tokens.ts';
import { openPostgres, transaction } from './postgres/client.ts';
import { endWhere } from './postgres/impersonations.ts';
import * as pg from './postgres/schema.ts';
import { holdRow, lockWaiters } from './postgres/test-locks.ts';
import type { Store } from './store.ts';
import { onSeveralProcesses } from './test-processes.ts';
import {
  auditTrail,
  customerWithProfile,
  insertRow,
  linked,
  operator,
  rowsOf,
  updateRows,
} from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

/** A support agent with a signed-in session, and a customer of a company with a coworker. */
async function scene(ts: TestStore) {
  const agent = await operator(ts, 'agent@onbehalf.test', 'support');
  const alice = await customerWithProfile(ts, { email: 'alice@acme.test' });
  const bob = await customerWithProfile(ts, {
    email: 'bob@acme.test',
    organization: alice.organizationId,
  });
  const other = await customerWithProfile(ts, { email: 'carol@other.test' });
  const agentSession = await insertRow(ts, 'sessions', {
    id: 'agent-session',
    tokenHash: sha256('agent-token'),
    userId: agent.id,
    profileId: null,
    method: 'password',
    createdAt: T0,
    expiresAt: T0 + 600 * MINUTE,
    lastSeenAt: T0,
  });
  return { agent, alice, bob, other, agentSession };
}

type Scene = Awaited<ReturnType<typeof scene>>;

function handoff(s: Scene, id: string, issuedAt = T0): NewHandoff {
  return {
    id,
    door: 'operator',
    actorUserId: s.agent.id,
    actorProfileId: null,
    actorSessionId: s.agentSession.id,
    targetUserId: s.alice.user.id,
    targetProfileId: s.alice.profile.id,
    organizationId: s.alice.organizationId,
    reason: 'ticket 42',
    ticket: 'T-42',
    handoffTokenHash: sha256(`secret-${id}`),
    handoffExpiresAt: issuedAt + MINUTE,
    issuedAt,
  };
}

const issuedAudit = (s: Scene, id: string): AuditEntry => ({
  type: 'impersonation.token_issued',
  at: T0,
  actor: { userId: s.agent.id, kind: 'operator' },
  subjectUserId: s.alice.user.id,
  impersonationId: id,
  details: { door: 'operator' },
});

async function issue(store: Store, s: Scene, id: string, issuedAt = T0) {
  await store.impersonation.issueHandoff({
    handoff: handoff(s, id, issuedAt),
    audit: issuedAudit(s, id),
    meta,
  });
}

function exchangeOf(s: Scene, id: string, now = T0 + 1000): ExchangeHandoff {
  return {
    id,
    actorSessionId: s.agentSession.id,
    session: {
      userId: s.alice.user.id,
      profileId: s.alice.profile.id,
      method: 'impersonation',
      now,
      meta,
      expiresAt: now + 30 * MINUTE,
      impersonationId: id,
    },
    audit: {
      type: 'impersonation.started',
      at: now,
      actor: { userId: s.agent.id, kind: 'operator' },
      subjectUserId: s.alice.user.id,
      organizationId: s.alice.organizationId,
      impersonationId: id,
      details: { door: 'operator' },
    },
    now,
    meta,
  };
}

describe.each(dialects)('the impersonation port on %s', (dialect) => {
  it('finds the team door target only inside its organization', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const found = await ts.store.impersonation.teamTarget(s.alice.organizationId, s.bob.profile.id);
    expect(found?.profile.id).toBe(s.bob.profile.id);
    expect(found?.user.email).toBe('bob@acme.test');
    expect(found?.organization.id).toBe(s.alice.organizationId);
    expect(
      await ts.store.impersonation.teamTarget(s.alice.organizationId, s.other.profile.id),
    ).toBeUndefined();
  });

  it('reads a user with every profile, oldest first, and nothing for an unknown user', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const second = await insertRow(ts, 'profiles', {
      userId: s.alice.user.id,
      organizationId: s.other.organizationId,
      role: 'member',
      permissions: ['orders:read'],
      createdAt: 0,
    });
    const found = await ts.store.impersonation.userWithProfiles(s.alice.user.id);
    expect(found?.user.id).toBe(s.alice.user.id);
    expect(found?.profiles.map((p) => [p.profile.id, p.organization.id])).toEqual([
      [s.alice.profile.id, s.alice.organizationId],
      [second.id, s.other.organizationId],
    ]);
    expect(await ts.store.impersonation.userWithProfiles(9999)).toBeUndefined();
    // An id the API accepts but no integer column holds: nobody, on either database.
    expect(await ts.store.impersonation.userWithProfiles(2 ** 40)).toBeUndefined();
    expect(
      await ts.store.impersonation.teamTarget(s.alice.organizationId, 2 ** 40),
    ).toBeUndefined();
  });

  it('issues a hand-off not yet started, with its audit event', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    const row = await ts.store.impersonation.findById('H1');
    expect(row).toMatchObject({
      id: 'H1',
      door: 'operator',
      actorSessionId: s.agentSession.id,
      handoffUsedAt: null,
      sessionId: null,
      startedAt: null,
      endedAt: null,
      credentialKind: null,
    });
    expect(await ts.store.impersonation.findById('nope')).toBeUndefined();
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.actorUserId])).toEqual([
      ['impersonation.token_issued', s.agent.id],
    ]);
  });

  it('exchanges a hand-off once: the second attempt loses and writes nothing', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    const first = await ts.store.impersonation.exchange(exchangeOf(s, 'H1'));
    if (first === 'lost_race') throw new Error('the first exchange lost');
    expect(first.session).toMatchObject({
      userId: s.alice.user.id,
      method: 'impersonation',
      impersonationId: 'H1',
      expiresAt: T0 + 1000 + 30 * MINUTE,
    });
    expect(first.session.tokenHash).toBe(sha256(first.token));
    expect(await ts.store.impersonation.findById('H1')).toMatchObject({
      handoffUsedAt: T0 + 1000,
      startedAt: T0 + 1000,
      sessionId: first.session.id,
      endsAt: T0 + 1000 + 30 * MINUTE,
    });

    expect(await ts.store.impersonation.exchange(exchangeOf(s, 'H1', T0 + 2000))).toBe('lost_race');
    const sessions = await rowsOf(ts, 'sessions');
    expect(sessions.filter((r) => r.impersonationId === 'H1').map((r) => r.id)).toEqual([
      first.session.id,
    ]);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual([
      'impersonation.token_issued',
      'impersonation.started',
    ]);
    expect(linked(trail)).toBe(true);
  });

  it('does not exchange an expired hand-off', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    expect(await ts.store.impersonation.exchange(exchangeOf(s, 'H1', T0 + MINUTE))).toBe(
      'lost_race',
    );
    expect((await ts.store.impersonation.findById('H1'))?.handoffUsedAt).toBeNull();
    expect((await rowsOf(ts, 'sessions')).map((r) => r.id)).toEqual([s.agentSession.id]);
  });

  it('does not exchange a hand-off withdrawn before it was used', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    // Ended as an opt-out or a closed door ends the impersonations not yet started.
    await updateRows(
      ts,
      'impersonations',
      { endedAt: T0 + 500, endReason: 'target_unavailable' },
      { id: 'H1' },
    );
    expect(await ts.store.impersonation.exchange(exchangeOf(s, 'H1'))).toBe('lost_race');
    expect(await ts.store.impersonation.findById('H1')).toMatchObject({
      handoffUsedAt: null,
      startedAt: null,
    });
    expect((await rowsOf(ts, 'sessions')).map((r) => r.id)).toEqual([s.agentSession.id]);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['impersonation.token_issued']);
  });

  it('leaves once: the session revoked and the ending audited a single time', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    const started = await ts.store.impersonation.exchange(exchangeOf(s, 'H1'));
    if (started === 'lost_race') throw new Error('the exchange lost');
    const row = await ts.store.impersonation.findById('H1');
    if (!row) throw new Error('no impersonation');
    await ts.store.impersonation.leave({ row, now: T0 + 5 * MINUTE, meta });
    await ts.store.impersonation.leave({ row, now: T0 + 6 * MINUTE, meta });
    expect(await ts.store.impersonation.findById('H1')).toMatchObject({
      endedAt: T0 + 5 * MINUTE,
      endReason: 'left',
    });
    const session = (await rowsOf(ts, 'sessions')).find((r) => r.id === started.session.id);
    expect(session?.revokedAt).toBe(T0 + 5 * MINUTE);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual([
      'impersonation.token_issued',
      'impersonation.started',
      'impersonation.ended',
    ]);
    expect(trail[2]?.details).toMatchObject({ endReason: 'left', durationSeconds: 299 });
  });

  it('reads a session with its parties and how many profiles its user has', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const own = await ts.store.impersonation.session(s.agentSession.id);
    expect(own).toMatchObject({
      session: { id: s.agentSession.id },
      user: { id: s.agent.id },
      profile: null,
      organization: null,
      profileCount: 0,
    });
    await insertRow(ts, 'sessions', {
      id: 'alice-session',
      tokenHash: sha256('alice-token'),
      userId: s.alice.user.id,
      profileId: s.alice.profile.id,
      method: 'password',
      createdAt: T0,
      expiresAt: T0 + 600 * MINUTE,
      lastSeenAt: T0,
    });
    expect(await ts.store.impersonation.session('alice-session')).toMatchObject({
      user: { id: s.alice.user.id },
      profile: { id: s.alice.profile.id },
      organization: { id: s.alice.organizationId },
      profileCount: 1,
    });
    expect(await ts.store.impersonation.session('nope')).toBeUndefined();
  });

  it('lists who acted as a user, newest first, a page and one more at a time', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    await issue(ts.store, s, 'H1', T0);
    await issue(ts.store, s, 'H3', T0 + 2 * MINUTE);
    await issue(ts.store, s, 'H2', T0 + MINUTE);
    // Asked for in the same millisecond: the id orders them.
    await issue(ts.store, s, 'H2b', T0 + MINUTE);
    const ids = async (after?: readonly [number, string]) =>
      (await ts.store.impersonation.accessHistory(s.alice.user.id, { after, limit: 2 })).map(
        (h) => h.row.id,
      );
    const first = await ts.store.impersonation.accessHistory(s.alice.user.id, { limit: 1 });
    expect(first.map((h) => h.row.id)).toEqual(['H3', 'H2b']);
    expect(first[0]?.actor.id).toBe(s.agent.id);
    expect(first[0]?.organizationName).toBe('Org of alice@acme.test');
    expect(await ids()).toEqual(['H3', 'H2b', 'H2']);
    expect(await ids([T0 + MINUTE, 'H2b'])).toEqual(['H2', 'H1']);
    expect(await ids([T0, 'H1'])).toEqual([]);
    expect(await ts.store.impersonation.accessHistory(s.bob.user.id, { limit: 10 })).toEqual([]);
  });

  it('writes the first refusal of a minute and counts its repeats', async () => {
    const ts = await freshStore(dialect);
    const s = await scene(ts);
    const refusal = {
      type: 'impersonation.refused' as const,
      at: T0,
      actor: { userId: s.agent.id, kind: 'operator' as const },
      subjectUserId: s.alice.user.id,
      details: { rule: 'door_closed' },
    };
    await ts.store.impersonation.recordRefusal(refusal, 'door_closed', meta);
    await ts.store.impersonation.recordRefusal({ ...refusal, at: T0 + 10 }, 'door_closed', meta);
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['impersonation.refused']);
    const counters = await rowsOf(ts, 'auditRepeats');
    expect(counters.map((c) => [c.rule, c.count])).toEqual([['door_closed', 2]]);
  });
});

describe('the impersonation port on several PostgreSQL processes', () => {
  it('of concurrent exchanges of one hand-off exactly one starts it', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    await onSeveralProcesses(ts, 4, async (stores) => {
      const outcomes = await Promise.all(
        [...stores, ...stores].map((store) => store.impersonation.exchange(exchangeOf(s, 'H1'))),
      );
      const winners = outcomes.filter((o) => o !== 'lost_race');
      expect(winners).toHaveLength(1);
      const sessions = await rowsOf(ts, 'sessions');
      expect(sessions.filter((r) => r.impersonationId === 'H1').map((r) => r.id)).toEqual([
        winners[0]?.session.id,
      ]);
      expect((await ts.store.impersonation.findById('H1'))?.sessionId).toBe(winners[0]?.session.id);
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'impersonation.started')).toHaveLength(1);
      expect(linked(trail)).toBe(true);
    });
  });

  it('of concurrent exchanges of different hand-offs of one own session, one runs at the end', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    const handoffs = ['H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'H7', 'H8'];
    // Eight unused at once: asking for one now ends the others, so written as rows, as a
    // database from before that rule holds them.
    for (const id of handoffs) await insertRow(ts, 'impersonations', handoff(s, id, T0));
    await onSeveralProcesses(ts, 4, async (stores) => {
      const outcomes = await Promise.all(
        handoffs.map((id, i) =>
          (stores[i % stores.length] ?? ts.store).impersonation.exchange(exchangeOf(s, id)),
        ),
      );
      // Each either started and was replaced by a later one, or was withdrawn before it could.
      const started = outcomes.filter((o) => o !== 'lost_race');
      expect(started.length).toBeGreaterThanOrEqual(1);
      const rows = await rowsOf(ts, 'impersonations');
      const running = rows.filter((r) => r.endedAt === null);
      expect(running).toHaveLength(1);
      expect(running[0]?.startedAt).not.toBeNull();
      expect(rows.filter((r) => r.endedAt !== null).every((r) => r.endReason === 'replaced')).toBe(
        true,
      );
      const live = (await rowsOf(ts, 'sessions')).filter(
        (r) => r.impersonationId !== null && r.revokedAt === null,
      );
      expect(live.map((r) => r.impersonationId)).toEqual([running[0]?.id]);
      expect(linked(await auditTrail(ts))).toBe(true);
    });
  });

  it('a sign-out sent from an impersonation and a start from its own session queue, never deadlock', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    for (let round = 0; round < 6; round++) {
      const [running, next] = [`R${round}`, `N${round}`];
      await issue(ts.store, s, running);
      const started = await ts.store.impersonation.exchange(exchangeOf(s, running));
      if (started === 'lost_race') throw new Error('the first exchange lost');
      await issue(ts.store, s, next);
      await onSeveralProcesses(ts, 2, async ([a, b]) => {
        if (!a || !b) throw new Error('two processes expected');
        // The impersonation session signs out (ending it, then the own session) while the own
        // session starts another: both must finish, whichever goes first.
        const outcomes = await Promise.allSettled([
          a.auth.endSession({
            sessionId: s.agentSession.id,
            reason: 'signed_out',
            impersonation: { id: running, reason: 'actor_signed_out' },
            startedEndReason: 'actor_signed_out',
            audit: {
              type: 'auth.signed_out',
              at: T0 + 2000,
              actor: { userId: s.agent.id, kind: 'operator' },
            },
            now: T0 + 2000,
            meta,
          }),
          b.impersonation.exchange(exchangeOf(s, next, T0 + 2000)),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      });
      // Put the own session back for the next round.
      await updateRows(ts, 'sessions', { revokedAt: null }, { id: s.agentSession.id });
    }
    expect(linked(await auditTrail(ts))).toBe(true);
  });

  it('an end that meets an exchange half-way waits for it, and revokes the session it minted', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    // The exchange claims the hand-off, then waits for the chain's head, held meanwhile.
    const release = await holdRow(ts.url, 'SELECT 1 FROM audit_head WHERE id = 1 FOR UPDATE');
    let exchanging: ReturnType<Store['impersonation']['exchange']> | undefined;
    let ending: Promise<number> | undefined;
    const { pool } = openPostgres(ts.url);
    try {
      exchanging = ts.store.impersonation.exchange(exchangeOf(s, 'H1'));
      await lockWaiters(pool, 1);
      // The operator door closes meanwhile: its running impersonations end.
      ending = transaction(ts.db, (tx) =>
        endWhere(
          tx,
          ts.auditKey,
          eq(pg.impersonations.door, 'operator'),
          'setting_disabled',
          T0 + 2000,
          meta,
        ),
      );
      await lockWaiters(pool, 2);
    } finally {
      await release();
      await pool.end();
    }
    const started = await exchanging;
    if (started === 'lost_race') throw new Error('the exchange lost');
    expect(await ending).toBe(1);
    expect(await ts.store.impersonation.findById('H1')).toMatchObject({
      sessionId: started.session.id,
      endReason: 'setting_disabled',
    });
    const [minted] = (await rowsOf(ts, 'sessions')).filter((r) => r.id === started.session.id);
    expect(minted?.revokedAt).toBe(T0 + 2000);
    const ended = (await rowsOf(ts, 'auditEvents')).filter((e) => e.type === 'impersonation.ended');
    expect(ended.map((e) => e.sessionId)).toEqual([started.session.id]);
    expect(linked(await auditTrail(ts))).toBe(true);
  });

  it('of concurrent leavings of one impersonation exactly one ends and audits it', async () => {
    const ts = await freshStore('postgres');
    const s = await scene(ts);
    await issue(ts.store, s, 'H1');
    await ts.store.impersonation.exchange(exchangeOf(s, 'H1'));
    const row = await ts.store.impersonation.findById('H1');
    if (!row) throw new Error('no impersonation');
    await onSeveralProcesses(ts, 4, async (stores) => {
      await Promise.all(
        [...stores, ...stores].map((store) =>
          store.impersonation.leave({ row, now: T0 + 5 * MINUTE, meta }),
        ),
      );
      const trail = await auditTrail(ts);
      expect(trail.filter((e) => e.type === 'impersonation.ended')).toHaveLength(1);
      expect(linked(trail)).toBe(true);
    });
  });
});
