import { describe, expect, it } from 'vitest';
import type { MetricsSources } from '../lib/metrics.ts';
import { sha256, sortableId } from '../lib/tokens.ts';
import { postgresMetricsSources } from './postgres/metrics.ts';
import { sqliteMetricsSources } from './sqlite/metrics.ts';
import { customerWithProfile, insertRow, operator } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

function sourcesOf(ts: TestStore): MetricsSources {
  return ts.dialect === 'sqlite'
    ? sqliteMetricsSources(ts.db)
    : postgresMetricsSources(ts.db, ts.auditKey);
}

/** An agent's hand-off to a customer, issued at `at`; started when `startedFor` minutes are given. */
async function impersonation(ts: TestStore, at: number, startedFor?: number) {
  const agent = await operator(ts, `agent-${at}@onbehalf.test`, 'support');
  const alice = await customerWithProfile(ts, { email: `alice-${at}@acme.test` });
  const id = sortableId(at);
  const agentSession = await insertRow(ts, 'sessions', {
    id: `agent-session-${at}`,
    tokenHash: sha256(`agent-token-${at}`),
    userId: agent.id,
    profileId: null,
    method: 'password',
    createdAt: at,
    expiresAt: at + 3 * 24 * 60 * MINUTE,
    lastSeenAt: at,
  });
  const audit = {
    actor: { userId: agent.id, kind: 'operator' as const },
    subjectUserId: alice.user.id,
    organizationId: alice.organizationId,
    impersonationId: id,
    details: { door: 'operator' },
  };
  await ts.store.impersonation.issueHandoff({
    handoff: {
      id,
      door: 'operator',
      actorUserId: agent.id,
      actorProfileId: null,
      actorSessionId: agentSession.id,
      targetUserId: alice.user.id,
      targetProfileId: alice.profile.id,
      organizationId: alice.organizationId,
      reason: 'ticket 42',
      ticket: 'T-42',
      handoffTokenHash: sha256(`secret-${id}`),
      handoffExpiresAt: at + MINUTE,
      issuedAt: at,
    },
    audit: { ...audit, type: 'impersonation.token_issued', at },
    meta,
  });
  if (startedFor === undefined) return undefined;
  const now = at + 1000;
  const started = await ts.store.impersonation.exchange({
    id,
    actorSessionId: agentSession.id,
    session: {
      userId: alice.user.id,
      profileId: alice.profile.id,
      method: 'impersonation',
      now,
      meta,
      expiresAt: now + startedFor * MINUTE,
      impersonationId: id,
    },
    audit: { ...audit, type: 'impersonation.started', at: now },
    now,
    meta,
  });
  if (started === 'lost_race') throw new Error('the exchange lost a race it had no rival in');
  return ts.store.impersonation.findById(id);
}

describe.each(dialects)('what /metrics reads on %s', (dialect) => {
  it('counts impersonations started, not ended and not past their end', async () => {
    const ts = await freshStore(dialect);
    const sources = sourcesOf(ts);
    expect(await sources.runningImpersonations(T0)).toBe(0);

    const first = await impersonation(ts, T0, 30);
    await impersonation(ts, T0 + 1, 60);
    await impersonation(ts, T0 + 2); // issued, never exchanged
    expect(await sources.runningImpersonations(T0 + 5 * MINUTE)).toBe(2);

    if (!first) throw new Error('the first impersonation was not started');
    await ts.store.impersonation.leave({ row: first, now: T0 + 6 * MINUTE, meta });
    expect(await sources.runningImpersonations(T0 + 6 * MINUTE)).toBe(1);
    // Past its end it no longer runs, before any request notices.
    expect(await sources.runningImpersonations(T0 + 62 * MINUTE)).toBe(0);
  });

  it('looks only at ids drawn within the longest impersonation there can be', async () => {
    const ts = await freshStore(dialect);
    // A row no rule would let run two days: the index bound leaves it out after a day.
    await impersonation(ts, T0, 48 * 60);
    const sources = sourcesOf(ts);
    expect(await sources.runningImpersonations(T0 + 60 * MINUTE)).toBe(1);
    expect(await sources.runningImpersonations(T0 + 24 * 60 * MINUTE)).toBe(0);
  });

  it("counts this store's audit appends as plain numbers, apart from another store's", async () => {
    const ts = await freshStore(dialect);
    const other = await freshStore(dialect);
    const sources = sourcesOf(ts);
    const before = sources.counters.auditAppends;
    await impersonation(ts, T0, 30); // issued, started: two events
    expect(sources.counters.auditAppends - before).toBe(2);
    expect(sourcesOf(other).counters.auditAppends).toBe(0);
  });
});
