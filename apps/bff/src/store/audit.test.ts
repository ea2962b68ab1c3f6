import { randomBytes } from 'node:crypto';
import type { AuditFilters } from '@onbehalf/contracts/audit';
import { type AuditEvent, auditEvent } from '@onbehalf/contracts/audit';
import { sql } from 'drizzle-orm';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import type { Audience } from '../features/audit/audit.store.ts';
import type { AuditEntry } from '../lib/audit-event.ts';
import { FEW_EVENTS, WALK_EVENTS } from './postgres/audit.store.ts';
import { appendAudit } from './postgres/audit.ts';
import { migratePostgres, transaction } from './postgres/client.ts';
import * as pg from './postgres/schema.ts';
import { createPostgresStore } from './postgres/store.ts';
import {
  costsOfSent,
  plansAfter,
  plansRunBy,
  type StatementCost,
  statementsSentBy,
} from './postgres/test-round-trips.ts';
import { recordAudit } from './sqlite/audit.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import type { Store } from './store.ts';
import { onSeveralProcesses } from './test-processes.ts';
import {
  auditTrail,
  customerWithProfile,
  insertRows,
  linked,
  operator,
  repeatCounters,
  rowsOf,
} from './test-rows.ts';
import { dialects, freshStore, postgresMigratedBefore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;

/** Appends an event the way every command does, on either database. */
async function append(ts: TestStore, entry: AuditEntry, at = meta) {
  if (ts.dialect === 'sqlite') {
    ts.db.transaction((tx) => recordAudit(tx, entry, at));
    return;
  }
  await transaction(ts.db, (tx) => appendAudit(tx, ts.auditKey, entry, at));
}

/** A small trail: a support operator and a customer in one organization, and one outsider. */
async function seedTrail(ts: TestStore) {
  const ops = await operator(ts, 'ops@onbehalf.test', 'support');
  const jane = await customerWithProfile(ts, { email: 'jane@acme.test' });
  const other = await customerWithProfile(ts, { email: 'omar@other.test' });
  const entries: AuditEntry[] = [
    {
      type: 'auth.sign_in.succeeded',
      at: T0,
      actor: { userId: jane.user.id, kind: 'customer' },
      organizationId: jane.organizationId,
      details: { method: 'password' },
    },
    {
      type: 'impersonation.token_issued',
      at: T0 + 1_000,
      actor: { userId: ops.id, kind: 'operator' },
      subjectUserId: jane.user.id,
      organizationId: jane.organizationId,
      impersonationId: 'imp-1',
      reason: 'Ticket about invoices, "urgent"',
      details: { ticket: 'T-42' },
    },
    {
      type: 'order.placed',
      at: T0 + 2_000,
      actor: { userId: jane.user.id, kind: 'customer' },
      organizationId: jane.organizationId,
      impersonationId: 'imp-1',
      details: { orderId: 7, total: 'EUR 12.50' },
    },
    {
      type: 'auth.sign_in.succeeded',
      at: T0 + 3_000,
      actor: { userId: other.user.id, kind: 'customer' },
      organizationId: other.organizationId,
      details: { method: 'one_click' },
    },
    {
      type: 'impersonation.ended',
      at: T0 + 4_000,
      actor: { userId: ops.id, kind: 'operator' },
      subjectUserId: jane.user.id,
      organizationId: jane.organizationId,
      impersonationId: 'imp-1',
      details: { endReason: 'left' },
    },
  ];
  for (const entry of entries) await append(ts, entry);
  return { ops, jane, other };
}

async function page(
  ts: TestStore,
  filters: Parameters<TestStore['store']['audit']['page']>[0]['filters'],
  options: { before?: number; limit?: number; audience?: Audience } = {},
) {
  const { events: rows } = await ts.store.audit.page({
    filters,
    before: options.before ?? null,
    limit: options.limit ?? 50,
    audience: options.audience ?? 'staff',
  });
  return rows.map((row) => {
    const event = JSON.parse(row.json) as AuditEvent;
    expect(event.id).toBe(row.id);
    // Compact and escaped as JavaScript would write it, on either database.
    expect(row.json).toBe(JSON.stringify(event));
    return event;
  });
}

const typesOf = (events: AuditEvent[]) => events.map((e) => e.type);

describe.each(dialects)('audit trail on %s', (dialect) => {
  it('writes any text of an event as JavaScript would: quotes, controls, emoji, separators', async () => {
    const ts = await freshStore(dialect);
    const jane = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const text = 'a "quote", a \\ back, line\nbreak\ttab\u0001, é, 😀, \u2028 and \u007f';
    await append(ts, {
      type: 'order.placed',
      at: T0,
      actor: { userId: jane.user.id, kind: 'customer' },
      organizationId: jane.organizationId,
      reason: text,
      details: { note: text, nested: { list: [1, 2.5, null, true] } },
    });
    // The helper holds each event's text to JSON.stringify's; these are its values back.
    const [event] = await page(ts, {});
    expect(event?.reason).toBe(text);
    expect(event?.details).toEqual({ note: text, nested: { list: [1, 2.5, null, true] } });
  });

  it('pages newest first behind a keyset cursor, each event as the API shows it', async () => {
    const ts = await freshStore(dialect);
    const { ops, jane } = await seedTrail(ts);

    const all = await page(ts, {});
    expect(typesOf(all)).toEqual([
      'impersonation.ended',
      'auth.sign_in.succeeded',
      'order.placed',
      'impersonation.token_issued',
      'auth.sign_in.succeeded',
    ]);
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    expect(all[3]).toEqual({
      id: all[3]?.id,
      at: new Date(T0 + 1_000).toISOString(),
      type: 'impersonation.token_issued',
      actor: { id: ops.id, name: 'ops', email: 'ops@onbehalf.test', operatorRole: 'support' },
      actorKind: 'operator',
      subject: { id: jane.user.id, name: 'jane', email: 'jane@acme.test', operatorRole: null },
      organization: { id: jane.organizationId, name: 'Org of jane@acme.test' },
      sessionId: null,
      impersonationId: 'imp-1',
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
      reason: 'Ticket about invoices, "urgent"',
      details: { ticket: 'T-42' },
    });
    // In the contract's order, on either database.
    expect(Object.keys(all[3] ?? {})).toEqual(Object.keys(auditEvent.shape));
    expect(Object.keys(all[3]?.actor ?? {})).toEqual(
      Object.keys(auditEvent.shape.actor.unwrap().shape),
    );

    // Pages of two, each starting after the last id of the one before.
    const first = await page(ts, {}, { limit: 2 });
    const second = await page(ts, {}, { limit: 2, before: first.at(-1)?.id });
    const third = await page(ts, {}, { limit: 2, before: second.at(-1)?.id });
    expect([...first, ...second, ...third].map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(third).toHaveLength(1);
    // A filtered page keeps the same order and cursor meaning.
    const older = await page(ts, { organizationId: jane.organizationId }, { before: all[1]?.id });
    expect(typesOf(older)).toEqual([
      'order.placed',
      'impersonation.token_issued',
      'auth.sign_in.succeeded',
    ]);
    // A cursor may carry any id the API accepts (15 digits).
    expect(await page(ts, {}, { before: 999_999_999_999_999 })).toHaveLength(5);
  });

  it('filters by type, actor, subject, organization, impersonation and time', async () => {
    const ts = await freshStore(dialect);
    const { ops, jane, other } = await seedTrail(ts);

    expect(typesOf(await page(ts, { type: ['auth.sign_in.succeeded'] }))).toEqual([
      'auth.sign_in.succeeded',
      'auth.sign_in.succeeded',
    ]);
    expect(typesOf(await page(ts, { type: ['order.placed', 'impersonation.ended'] }))).toEqual([
      'impersonation.ended',
      'order.placed',
    ]);
    expect(typesOf(await page(ts, { actorUserId: ops.id }))).toEqual([
      'impersonation.ended',
      'impersonation.token_issued',
    ]);
    expect(typesOf(await page(ts, { subjectUserId: jane.user.id }))).toHaveLength(2);
    expect(typesOf(await page(ts, { organizationId: other.organizationId }))).toEqual([
      'auth.sign_in.succeeded',
    ]);
    expect(typesOf(await page(ts, { impersonationId: 'imp-1' }))).toEqual([
      'impersonation.ended',
      'order.placed',
      'impersonation.token_issued',
    ]);
    const from = new Date(T0 + 1_000).toISOString();
    const to = new Date(T0 + 3_000).toISOString();
    expect(typesOf(await page(ts, { from, to }))).toEqual([
      'auth.sign_in.succeeded',
      'order.placed',
      'impersonation.token_issued',
    ]);
    expect(await page(ts, { from: new Date(T0 + 10_000).toISOString() })).toEqual([]);
    expect(await page(ts, { to: new Date(T0 - 1).toISOString() })).toEqual([]);
    // Ids beyond the columns' range find nothing, as an unknown id does.
    expect(await page(ts, { actorUserId: 2 ** 40 })).toEqual([]);
    expect(await page(ts, { organizationId: 2 ** 40 })).toEqual([]);
  });

  it('searches free text: every word, the last typed a word or its start, in reason, details and address', async () => {
    const ts = await freshStore(dialect);
    await seedTrail(ts);

    expect(typesOf(await page(ts, { query: 'invoices' }))).toEqual(['impersonation.token_issued']);
    expect(typesOf(await page(ts, { query: 'urgent invo' }))).toEqual([
      'impersonation.token_issued',
    ]);
    // Only the last word typed may be unfinished: the trail's words repeat in every event, and
    // each unfinished one is a costly look-up (store/search-words.ts).
    expect(typesOf(await page(ts, { query: 'invo urgent' }))).toEqual([]);
    expect(typesOf(await page(ts, { query: 'invoices nowhere' }))).toEqual([]);
    expect(typesOf(await page(ts, { query: 'password' }))).toEqual(['auth.sign_in.succeeded']);
    expect(typesOf(await page(ts, { query: 'T' }))).toContain('impersonation.token_issued');
    expect(typesOf(await page(ts, { query: 'EUR' }))).toEqual(['order.placed']);
    expect(typesOf(await page(ts, { query: 'impersonation' }))).toEqual([
      'impersonation.ended',
      'impersonation.token_issued',
    ]);
    // A word is a run of letters and digits, as SQLite's full-text index reads it: the later
    // parts of a dotted type, an address or an email are words of their own.
    await append(
      ts,
      {
        type: 'auth.sign_in.failed',
        at: T0 + 5_000,
        actor: { userId: null, kind: 'anonymous' },
        details: { email: 'maria.lopez@example.org' },
      },
      { ...meta, ip: '198.51.100.23' },
    );
    expect(typesOf(await page(ts, { query: 'placed' }))).toEqual(['order.placed']);
    expect(typesOf(await page(ts, { query: 'order.placed' }))).toEqual(['order.placed']);
    expect(typesOf(await page(ts, { query: 'token_iss' }))).toEqual(['impersonation.token_issued']);
    expect(typesOf(await page(ts, { query: 'failed' }))).toEqual(['auth.sign_in.failed']);
    expect(typesOf(await page(ts, { query: '113.7' }))).toHaveLength(5);
    expect(typesOf(await page(ts, { query: '203.0.113.7' }))).toHaveLength(5);
    expect(typesOf(await page(ts, { query: '100.23' }))).toEqual(['auth.sign_in.failed']);
    expect(typesOf(await page(ts, { query: 'lopez' }))).toEqual(['auth.sign_in.failed']);
    expect(typesOf(await page(ts, { query: 'lopez@example.o' }))).toEqual(['auth.sign_in.failed']);
    expect(typesOf(await page(ts, { query: 'example.org maria' }))).toEqual([
      'auth.sign_in.failed',
    ]);
    // Accents are ignored both ways, as FTS5's unicode61 ignores them.
    await append(ts, {
      type: 'auth.signed_out',
      at: T0 + 6_000,
      actor: { userId: null, kind: 'operator' },
      reason: 'Réclamation de Chloé',
    });
    expect(typesOf(await page(ts, { query: 'reclamation chloe' }))).toEqual(['auth.signed_out']);
    expect(typesOf(await page(ts, { query: 'CHLOÉ' }))).toEqual(['auth.signed_out']);
    // Each piece is looked for on its own, in any order (store/search-words.ts).
    expect(typesOf(await page(ts, { query: 'example.lopez' }))).toEqual(['auth.sign_in.failed']);
    expect(await page(ts, { query: '   ' })).toEqual([]);
    // What is typed is never query syntax.
    expect(await page(ts, { query: `"') OR 1=1 --` })).toEqual([]);
    // Search and paging together: the same order, the same cursor.
    const both = await page(ts, { query: 'impersonation' }, { limit: 1 });
    expect(typesOf(both)).toEqual(['impersonation.ended']);
    expect(
      typesOf(await page(ts, { query: 'impersonation' }, { limit: 1, before: both[0]?.id })),
    ).toEqual(['impersonation.token_issued']);
  });

  it('shows a customer staff by name and role only', async () => {
    const ts = await freshStore(dialect);
    const { ops, jane } = await seedTrail(ts);

    const events = await page(
      ts,
      { organizationId: jane.organizationId },
      { audience: 'customer' },
    );
    const requested = events.find((e) => e.type === 'impersonation.token_issued');
    expect(requested?.actor).toEqual({
      id: ops.id,
      name: 'ops',
      email: null,
      operatorRole: 'support',
    });
    expect(requested?.ip).toBeNull();
    expect(requested?.userAgent).toBeNull();
    expect(requested?.subject?.email).toBe('jane@acme.test');
    const signedIn = events.find((e) => e.type === 'auth.sign_in.succeeded');
    expect(signedIn?.actor?.email).toBe('jane@acme.test');
    expect(signedIn?.ip).toBe(meta.ip);
    expect(signedIn?.userAgent).toBe(meta.userAgent);
  });

  it("lets a customer search by an operator's words but not by the address it does not show them", async () => {
    const ts = await freshStore(dialect);
    const { ops, jane } = await seedTrail(ts);
    const team = { organizationId: jane.organizationId };
    await append(
      ts,
      {
        type: 'order.placed',
        at: T0 + 5_000,
        actor: { userId: ops.id, kind: 'operator' },
        subjectUserId: jane.user.id,
        organizationId: jane.organizationId,
        impersonationId: 'imp-1',
        reason: 'Order stuck in checkout',
        details: { items: 100 },
      },
      { ...meta, ip: '198.51.100.23' },
    );
    await append(
      ts,
      {
        type: 'auth.signed_out',
        at: T0 + 6_000,
        actor: { userId: jane.user.id, kind: 'customer' },
        organizationId: jane.organizationId,
      },
      { ...meta, ip: '198.51.7.9' },
    );
    const customer = async (q: string) =>
      typesOf(await page(ts, { ...team, query: q }, { audience: 'customer' }));
    const staff = async (q: string) => typesOf(await page(ts, { ...team, query: q }));

    // A right guess of support's address, whole or in part, finds what a wrong one finds.
    for (const guess of ['198.51.100.23', '198.51.100', '100.23', 'checkout 23']) {
      expect(await customer(guess), guess).toEqual([]);
    }
    // The customer's own addresses are searched as before, an operator's shared one is not.
    expect(await customer('198.51')).toEqual(['auth.signed_out']);
    expect(await customer('203.0.113.7')).toEqual(['order.placed', 'auth.sign_in.succeeded']);
    // The operator's other words still find their events, a word of the address among them
    // when the event holds it elsewhere too (`100` is in its details).
    expect(await customer('stuck checkout')).toEqual(['order.placed']);
    expect(await customer('items 100')).toEqual(['order.placed']);
    // Staff search every address.
    expect(await staff('198.51.100.23')).toEqual(['order.placed']);
    expect(await staff('198.51')).toEqual(['auth.signed_out', 'order.placed']);
    expect(await staff('checkout 23')).toEqual(['order.placed']);
    expect(await staff('203.0.113.7')).toHaveLength(4);
  });

  it('finds an impersonation with its actor, target and organization', async () => {
    const ts = await freshStore(dialect);
    const ops = await operator(ts, 'ops@onbehalf.test', 'support');
    const jane = await customerWithProfile(ts, { email: 'jane@acme.test' });
    const row = {
      id: 'imp-1',
      door: 'operator' as const,
      actorUserId: ops.id,
      actorSessionId: 'session-1',
      targetUserId: jane.user.id,
      targetProfileId: jane.profile.id,
      organizationId: jane.organizationId,
      reason: 'Ticket',
      ticket: 'T-42',
      handoffTokenHash: 'hash',
      handoffExpiresAt: T0 + 60_000,
      issuedAt: T0,
    };
    if (ts.dialect === 'sqlite') ts.db.insert(impersonations).values(row).run();
    else await ts.db.insert(pg.impersonations).values(row);

    const found = await ts.store.audit.impersonation('imp-1');
    expect(found?.row).toMatchObject({ ...row, startedAt: null, endedAt: null });
    expect(found?.actor).toEqual({
      id: ops.id,
      name: 'ops',
      email: 'ops@onbehalf.test',
      kind: 'operator',
      operatorRole: 'support',
    });
    expect(found?.target).toEqual({ id: jane.user.id, name: 'jane', email: 'jane@acme.test' });
    expect(found?.organization).toEqual({
      id: jane.organizationId,
      name: 'Org of jane@acme.test',
    });
    expect(await ts.store.audit.impersonation('imp-2')).toBeNull();
  });

  it('audits the first read of a minute per door and counts the repeats', async () => {
    const ts = await freshStore(dialect);
    const ops = await operator(ts, 'ops@onbehalf.test', 'support');
    const read = (at: number, rule: string) =>
      ts.store.audit.recordRead({
        audit: {
          type: 'audit.read',
          at,
          actor: { userId: ops.id, kind: 'operator' },
          details: { scope: rule, filters: {} },
        },
        rule,
        meta,
      });
    await read(T0, 'sys');
    await read(T0 + 1, 'sys');
    await read(T0 + 2, 'verify');
    await read(T0 + 3, 'sys');

    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.actorUserId, e.ip, e.details])).toEqual([
      ['audit.read', ops.id, meta.ip, { scope: 'sys', filters: {} }],
      ['audit.read', ops.id, meta.ip, { scope: 'verify', filters: {} }],
    ]);
    const counters = await rowsOf(ts, 'auditRepeats');
    expect(counters.map((c) => c.count).sort()).toEqual([1, 3]);

    // The next minute's first read summarises the repeats of the one before.
    await read(T0 + 60_000, 'sys');
    const after = await auditTrail(ts);
    expect(after.map((e) => e.type)).toEqual([
      'audit.read',
      'audit.read',
      'audit.repeated',
      'audit.read',
    ]);
    expect(linked(after)).toBe(true);
  });

  it('verifies the chain and prunes it to a checkpoint it still verifies from', async () => {
    const ts = await freshStore(dialect);
    await seedTrail(ts);
    const key = ts.auditKey;

    const intact = await ts.store.audit.verify({ key, anchored: null });
    expect(intact).toMatchObject({ intact: true, checked: 5, breaks: [] });
    const wrongKey = await ts.store.audit.verify({ key: Buffer.alloc(32, 7), anchored: null });
    expect(wrongKey.intact).toBe(false);

    // Retention of one day, ten days on, with the newest event two days old.
    const day = 24 * 60 * 60 * 1000;
    expect(
      await ts.store.audit.prune({ key, retentionDays: 30, now: T0 + 10 * day, meta }),
    ).toEqual({
      pruned: 0,
      throughId: null,
      attempts: 0,
      impersonations: 0,
    });
    const trail = await auditTrail(ts);
    const pruned = await ts.store.audit.prune({
      key,
      retentionDays: 1,
      now: T0 + 4_000 + day,
      meta,
    });
    expect(pruned).toEqual({
      pruned: 4,
      throughId: trail[3]?.id,
      attempts: 0,
      impersonations: 0,
    });
    // The prune is on the record, after the event it kept, and the chain verifies through it.
    const kept = await auditTrail(ts);
    expect(kept.map((e) => [e.type, e.actorUserId, e.details])).toEqual([
      ['impersonation.ended', expect.anything(), expect.anything()],
      [
        'audit.pruned',
        null,
        { retentionDays: 1, events: 4, throughId: trail[3]?.id, attempts: 0, impersonations: 0 },
      ],
    ]);
    const after = await ts.store.audit.verify({ key, anchored: null });
    expect(after).toMatchObject({ intact: true, checked: 2, breaks: [] });
  });
});

describe.each(dialects)('the access history pruned with the trail on %s (ADR 043)', (dialect) => {
  const day = 24 * 60 * 60 * 1000;
  const retentionDays = 30;
  const now = T0 + 100 * day;
  const cutoff = now - retentionDays * day;

  it('takes sign-in attempts and finished impersonations older than the retention, and nothing else', async () => {
    const ts = await freshStore(dialect);
    const { ops, jane } = await seedTrail(ts);
    const attempt = (at: number, i: number) => ({
      kind: 'login_token' as const,
      loginTokenId: 1,
      userId: jane.user.id,
      at,
      outcome: 'invalid' as const,
      ip: `203.0.113.${i % 250}`,
      userAgent: 'agent',
    });
    // 1,203 old attempts (more than two batches), then newer ones; one dated back sits among
    // the newer and stays, as events do: only the oldest are taken.
    const old = Array.from({ length: 1_203 }, (_, i) => attempt(cutoff - day + i, i));
    const recent = [attempt(cutoff + 1, 1), attempt(cutoff - 5 * day, 2), attempt(now, 3)];
    await insertRows(ts, 'loginAttempts', [...old, ...recent]);

    type Times = {
      startedAt?: number;
      endsAt?: number;
      endedAt?: number;
      handoffExpiresAt?: number;
    };
    const ended = (endReason: 'expired' | 'left') => ({ endReason });
    const impersonation = (id: string, times: Times, end?: ReturnType<typeof ended>) => ({
      id,
      door: 'operator' as const,
      actorUserId: ops.id,
      actorSessionId: `session-of-${id}`,
      targetUserId: jane.user.id,
      targetProfileId: jane.profile.id,
      organizationId: jane.organizationId,
      reason: 'ticket',
      handoffTokenHash: `hash-${id}`,
      handoffExpiresAt: cutoff - 2 * day,
      issuedAt: cutoff - 2 * day,
      ...times,
      ...end,
    });
    await insertRows(ts, 'impersonations', [
      impersonation(
        'ended-long-ago',
        { startedAt: cutoff - 2 * day, endsAt: cutoff - day, endedAt: cutoff - day },
        ended('expired'),
      ),
      impersonation('never-started', {}),
      impersonation(
        'ended-inside',
        { startedAt: cutoff - 2 * day, endsAt: cutoff + day, endedAt: cutoff + 1 },
        ended('left'),
      ),
      // Still running, however old (housekeeping ends it when overdue, then it is kept).
      impersonation('still-running', { startedAt: cutoff - 2 * day, endsAt: now + day }),
      impersonation('handoff-inside', { handoffExpiresAt: cutoff + 1 }),
    ]);

    const before = (await auditTrail(ts)).length;
    const result = await ts.store.audit.prune({ key: ts.auditKey, retentionDays, now, meta });
    expect(result).toMatchObject({ attempts: 1_203, impersonations: 2 });
    // The trail says what went: the seeded events (all older than the retention too) and the
    // history, after the checkpoint it leaves.
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.details])).toEqual([
      [
        'audit.pruned',
        {
          retentionDays,
          events: before,
          throughId: expect.any(Number),
          attempts: 1_203,
          impersonations: 2,
        },
      ],
    ]);
    expect(await ts.store.audit.verify({ key: ts.auditKey, anchored: null })).toMatchObject({
      intact: true,
    });
    const kept = await rowsOf(ts, 'loginAttempts');
    expect(kept.map((row) => row.at).sort((a, b) => a - b)).toEqual([
      cutoff - 5 * day,
      cutoff + 1,
      now,
    ]);
    expect((await rowsOf(ts, 'impersonations')).map((row) => row.id).sort()).toEqual([
      'ended-inside',
      'handoff-inside',
      'still-running',
    ]);
    // Nothing more to take the second time, and nothing more said.
    expect(
      await ts.store.audit.prune({ key: ts.auditKey, retentionDays, now, meta }),
    ).toMatchObject({
      attempts: 0,
      impersonations: 0,
    });
    expect(await auditTrail(ts)).toHaveLength(trail.length);
  });

  it('refuses, deleting nothing of the history, when the events to prune do not verify', async () => {
    const ts = await freshStore(dialect);
    const { jane } = await seedTrail(ts);
    await insertRows(ts, 'loginAttempts', [
      {
        kind: 'one_click',
        oneClickLinkId: 'link-1',
        userId: jane.user.id,
        at: T0 - day,
        outcome: 'success',
        ip: null,
        userAgent: null,
      },
    ]);
    const otherKey = Buffer.alloc(32, 9);
    const before = await auditTrail(ts);
    await expect(
      ts.store.audit.prune({ key: otherKey, retentionDays, now, meta }),
    ).rejects.toThrow();
    expect(await rowsOf(ts, 'loginAttempts')).toHaveLength(1);
    expect(await auditTrail(ts)).toEqual(before);
  });
});

describe('audit reads on PostgreSQL from several connections at once', () => {
  it('audit the first read exactly once and count every one', async () => {
    const ts = await freshStore('postgres');
    const ops = await operator(ts, 'ops@onbehalf.test', 'support');
    await onSeveralProcesses(ts, 4, async (stores) => {
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          stores[i % stores.length]?.audit.recordRead({
            audit: {
              type: 'audit.read',
              at: T0 + i,
              actor: { userId: ops.id, kind: 'operator' },
              details: { scope: 'sys', filters: {} },
            },
            rule: 'sys',
            meta,
          }),
        ),
      );
    });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['audit.read']);
    // One counter for the minute, its connections' rows summed.
    const counters = await repeatCounters(ts);
    expect(counters).toHaveLength(1);
    expect(counters[0]).toMatchObject({ count: 12, lastAt: T0 + 11 });
  });
});

describe('audit pages on PostgreSQL', () => {
  it('read the columns a page shows, not the chain’s links', async () => {
    const ts = await freshStore('postgres');
    await seedTrail(ts);
    const { names, texts } = await statementsSentBy(ts, async (store) => {
      const { events } = await store.audit.page({
        filters: {},
        before: null,
        limit: 50,
        audience: 'staff',
      });
      expect(events.length).toBeGreaterThan(0);
    });
    expect(names).toEqual(['audit_page_whole_trail_51']);
    expect(texts[0]).toContain('"details"');
    expect(texts[0]).not.toMatch(/prev_hash|"hash"|"keyed"/);
  });

  it('are planned once per page size, their limit written into the statement', async () => {
    const ts = await freshStore('postgres');
    await seedTrail(ts);
    const page = async (store: Store, limit: number, organizationId?: number) =>
      (
        await store.audit.page({
          filters: organizationId === undefined ? {} : { organizationId },
          before: null,
          limit,
          audience: 'staff',
        })
      ).events;
    const { texts, result } = await statementsSentBy(ts, async (store) => ({
      whole: await page(store, 3),
      planned: await page(store, 11),
    }));
    // A size between the planned ones reads the next one up and keeps its own rows.
    expect(result.whole).toHaveLength(3);
    expect(result.whole.map((e) => e.id)).toEqual(result.planned.slice(0, 3).map((e) => e.id));
    expect(texts[0]).toMatch(/ limit 11$/);
    const jane = await customerWithProfile(ts, { email: 'jane.2@acme.test' });
    // A trail long enough that a plan for an unknown limit (a tenth of it) costs more than one
    // for 51 rows: with `LIMIT $n`, PostgreSQL would plan every execution again.
    await ts.db.execute(sql`
      INSERT INTO audit_events (at, type, organization_id, prev_hash, hash)
      SELECT ${T0}::bigint + n, 'order.placed', ${jane.organizationId}, '', '' FROM generate_series(1, 20000) n`);
    await ts.db.execute(sql`ANALYZE audit_events`);
    const plans = await plansAfter(ts, async (store) => {
      // PostgreSQL tries custom plans for a statement's first five executions.
      for (let i = 0; i < 8; i++) {
        await page(store, 51);
        await page(store, 51, jane.organizationId);
      }
    });
    for (const name of ['audit_page_whole_trail_51', 'audit_page_organization_51']) {
      expect(plans.get(name)?.custom).toBeLessThanOrEqual(5);
      expect(plans.get(name)?.generic).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('repeated reads on PostgreSQL', () => {
  it('count a repeat on the row of the connection it runs on, whichever connection wrote the first', async () => {
    const ts = await freshStore('postgres');
    const pool = ts.db.$client as Pool;
    const ops = await operator(ts, 'ops@onbehalf.test', 'support');
    const read = (store: Store) =>
      store.audit.recordRead({
        audit: {
          type: 'audit.read',
          at: T0 + 1_000,
          actor: { userId: ops.id, kind: 'operator' },
          details: { scope: 'sys', filters: {} },
        },
        rule: 'sys',
        meta,
      });
    await read(ts.store);
    // As if the minute's first had been written on a connection the pool has since closed.
    await pool.query('UPDATE audit_repeats SET stripe = 0');
    const sent = await statementsSentBy(ts, read);
    // One statement: no transaction, no wait for the chain head, no second event.
    expect(sent.names).toEqual(['audit_repeat_count']);
    const { rows } = await pool.query<{ stripe: number; count: number }>(
      'SELECT stripe, count FROM audit_repeats ORDER BY stripe',
    );
    expect(rows.map((row) => row.count)).toEqual([1, 1]);
    expect(rows[0]?.stripe).toBe(0);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['audit.read']);
  });
});

describe('audit search on PostgreSQL', () => {
  it('asks the full-text index whether few events or people match, never the table read in order', async () => {
    const ts = await freshStore('postgres');
    const pool = ts.db.$client as Pool;
    // 20,000 events and 20,000 people that all hold the same words: PostgreSQL's statistics then
    // say any other word is held by a share of the table, and reading it in order until 1,001
    // match looks cheaper than the index (users_matching serves the team page and Admin › Users).
    await pool.query(
      `INSERT INTO audit_events (at, type, actor_kind, details, prev_hash, hash)
       SELECT n, 'order.placed', 'customer', '{}', '', '' FROM generate_series(1, 20000) n`,
    );
    await pool.query(
      `INSERT INTO users (email, name, kind, created_at)
       SELECT 'member-' || n || '@load.test', 'Person ' || n, 'customer', 0
       FROM generate_series(1, 20000) n`,
    );
    await pool.query('ANALYZE');
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      for (const table of ['audit_events', 'users']) {
        // The connection's counts not yet reported, read before and after: what the question did.
        const scans = async () =>
          (
            await client.query<{ seq_scan: string; idx_scan: string }>(
              'SELECT seq_scan, idx_scan FROM pg_stat_xact_user_tables WHERE relname = $1',
              [table],
            )
          ).rows.map((row): [number, number] => [
            Number(row.seq_scan),
            Number(row.idx_scan),
          ])[0] ?? [0, 0];
        const [seqBefore, indexBefore] = await scans();
        const asked = await client.query(
          `SELECT id FROM ${table}_matching(to_tsquery('onbehalf_words', 'nobody:*'), 1001)`,
        );
        expect(asked.rows, table).toEqual([]);
        const [seqAfter, indexAfter] = await scans();
        // The index asked once; the table never read whole.
        expect([seqAfter - seqBefore, indexAfter - indexBefore], table).toEqual([0, 1]);
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('reads about a thousand events at most for a page, whatever the text and the filters', async () => {
    const ts = await freshStore('postgres');
    const s = await seedTrail(ts);
    const pool = ts.db.$client as Pool;
    // 20,000 events of one organization; every fourth an order, one in 2,000 a refund.
    await pool.query(
      `INSERT INTO audit_events (at, type, actor_user_id, actor_kind, subject_user_id, organization_id, reason, details, prev_hash, hash)
       SELECT n, CASE WHEN n % 4 = 0 THEN 'order.placed' ELSE 'profile.switched' END, $2::int,
         'customer', $2::int, $1::int, CASE WHEN n % 2000 = 0 THEN 'refund' END, '{"n":' || n || '}', '', ''
       FROM generate_series(1, 20000) n`,
      [s.jane.organizationId, s.jane.user.id],
    );
    await pool.query('ANALYZE');
    const searches: AuditFilters[] = [
      { query: 'nothing like it' },
      { organizationId: s.jane.organizationId, query: 'nothing like it' },
      { organizationId: s.jane.organizationId, query: 'refund' },
      { organizationId: s.jane.organizationId, type: ['order.placed'], query: 'refund' },
      { organizationId: s.jane.organizationId, query: 'order' },
      { actorUserId: s.jane.user.id, query: 'placed' },
      // A word every event holds, typed as a hundred pieces: once a phrase, which the index
      // cannot answer alone, so PostgreSQL read back and tested every event holding the word.
      { query: Array.from({ length: 100 }, () => 'n').join('.') },
    ];
    for (const filters of searches) {
      const sent = await statementsSentBy(ts, (store) =>
        store.audit.page({ filters, before: null, limit: 50, audience: 'customer' }),
      );
      for (const { statement, cost } of await costsOfSent(pool, sent)) {
        const said = `${JSON.stringify(filters)}: ${statement.slice(0, 300)}`;
        expect(cost.lookedUp, said).toBeLessThanOrEqual(1_100);
        // Nor read in order until enough match: a word few events hold is asked of the index.
        expect(cost.readWholeIn.audit_events ?? 0, said).toBeLessThanOrEqual(1_100);
        // Every event's words are stored with it (migration 0014): tested, never computed.
        expect(cost.wordsComputed, said).toBe(0);
      }
    }
  });
  it("answers a team's search for support's address from the index alone, reading no event back", async () => {
    const ts = await freshStore('postgres');
    const { ops, jane } = await seedTrail(ts);
    const pool = ts.db.$client as Pool;
    const org = jane.organizationId;
    // Support's events in Jane's organization, all from one address: a guess of it, whole or in
    // part, finds none for Jane's team admin. Once, the words kept that address under weight A,
    // which the full-text index does not keep: it named every one of support's events and
    // PostgreSQL read each back to turn it away (32 ms at 100,000 of them, against 4.8 for staff).
    await pool.query(
      `INSERT INTO audit_events (at, type, actor_user_id, actor_kind, subject_user_id, organization_id, ip, reason, details, prev_hash, hash)
       SELECT n, 'impersonation.started', $1::int, 'operator', $2::int, $3::int, '198.51.100.23',
         'Ticket about invoices', '{}', '', ''
       FROM generate_series(1, 5000) n`,
      [ops.id, jane.user.id, org],
    );
    await pool.query('VACUUM ANALYZE audit_events');
    const guesses = ['198.51.100.23', '198', '198.51.100', 'invoices 23'];
    const search = (audience: Audience) =>
      plansRunBy(ts, async (store) => {
        const found: number[] = [];
        for (const q of guesses) {
          const read = await store.audit.page({
            filters: { organizationId: org, query: q },
            before: null,
            limit: 50,
            audience,
          });
          found.push(read.events.length);
        }
        return found;
      });
    const asked = (plans: { query: string; cost: StatementCost }[]) =>
      plans.filter((plan) => plan.query.includes('FROM audit_events e WHERE e.words @@'));

    const team = await search('customer');
    expect(team.result).toEqual([0, 0, 0, 0]);
    expect(asked(team.plans)).toHaveLength(guesses.length);
    for (const { query, cost } of asked(team.plans)) {
      expect(cost.rechecked, query).toBe(0);
      expect(cost.lookedUp, query).toBe(0);
    }
    // Staff find them by the same words, the index naming them as it did.
    const staff = await search('staff');
    expect(staff.result).toEqual([50, 50, 50, 50]);
    for (const { query, cost } of asked(staff.plans)) {
      expect(cost.rechecked, query).toBe(0);
    }
  });

  it("keeps an operator's address apart in the words of the events it finds (migration 0024)", async () => {
    const { db, pool } = await postgresMigratedBefore('0024_operator_address_as_marked_words');
    // Written before: support's address under weight A in the words (migration 0022).
    await pool.query(
      `INSERT INTO audit_events (at, type, actor_kind, ip, reason, details, prev_hash, hash) VALUES
         (1, 'order.placed', 'operator', '198.51.100.23', 'Order stuck in checkout', '{"items":100}', '', ''),
         (2, 'auth.signed_out', 'customer', '198.51.7.9', NULL, NULL, '', ''),
         (3, 'auth.signed_out', 'operator', NULL, 'no address', NULL, '', '')`,
    );
    const wordsOf = async () =>
      (
        await pool.query<{ words: string[] }>(
          'SELECT tsvector_to_array(words) AS words FROM audit_events ORDER BY id',
        )
      ).rows.map((row) => [...row.words].sort());
    const before = await wordsOf();
    await migratePostgres(pool);
    // The same words, but for support's address: each word of it after a U+0001, which no
    // word typed holds; `100`, which the details hold too, as well as typed.
    const plain = ['100', 'checkout', 'in', 'items', 'order', 'placed', 'stuck'];
    const marked = ['100', '198', '23', '51'].map((word) => `\u0001${word}`);
    expect(await wordsOf()).toEqual([[...plain, ...marked].sort(), before[1], before[2]]);
    expect(before[0]?.sort()).toEqual([...plain, '198', '23', '51'].sort());
    // Each read through the index, rebuilt on the new words.
    const { rows } = await pool.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE indexname = 'audit_search_idx'`,
    );
    expect(rows.map((row) => row.indexdef)).toEqual([
      'CREATE INDEX audit_search_idx ON public.audit_events USING gin (words)',
    ]);
    const store = createPostgresStore(db, { auditKey: randomBytes(32) });
    const found = async (q: string, audience: Audience) =>
      (
        await store.audit.page({ filters: { query: q }, before: null, limit: 50, audience })
      ).events.map((event) => event.id);
    for (const guess of ['198.51.100.23', '198.51.10', 'checkout 23']) {
      expect(await found(guess, 'customer'), guess).toEqual([]);
      expect(await found(guess, 'staff'), guess).toEqual([1]);
    }
    expect(await found('198.51', 'customer')).toEqual([2]);
    expect(await found('198.51', 'staff')).toEqual([2, 1]);
    expect(await found('items 100', 'customer')).toEqual([1]);
    expect(await found('address', 'customer')).toEqual([3]);
    // No tsquery made from text names a marked word, however it is typed (`~198` is a path to
    // PostgreSQL's parser, which keeps the `~`).
    for (const typed of ['\u0001198', "'\u0001198':*", '~198']) {
      const { rows } = await pool.query(
        `SELECT to_tsquery('onbehalf_words', $1)::text AS a, plainto_tsquery('onbehalf_words', $1)::text AS b,
           websearch_to_tsquery('onbehalf_words', $1)::text AS c`,
        [typed],
      );
      expect(Object.values(rows[0]).join(' '), typed).not.toContain('\u0001');
    }
  });

  it('walks a bounded number of events per read when many match elsewhere, then goes on', async () => {
    const ts = await freshStore('postgres');
    const s = await seedTrail(ts);
    const pool = ts.db.$client as Pool;
    const org = s.jane.organizationId;
    // Jane's organization: one refund, then more orders than one read walks. Elsewhere, more
    // refunds than are few, so the search walks Jane's trail testing each event's words.
    const insert = (n: number, organizationId: number, reason: string | null) =>
      pool.query(
        `INSERT INTO audit_events (at, type, actor_kind, organization_id, reason, details, prev_hash, hash)
         SELECT n, 'order.placed', 'customer', $2::int, $3::text, '{}', '', '' FROM generate_series(1, $1::int) n`,
        [n, organizationId, reason],
      );
    await insert(1, org, 'refund');
    await insert(FEW_EVENTS + 500, s.other.organizationId, 'refund');
    await insert(WALK_EVENTS + 2_000, org, null);
    await pool.query('VACUUM ANALYZE audit_events');
    const [refund] = (
      await pool.query<{ id: number }>(
        `SELECT id FROM audit_events WHERE organization_id = $1 AND reason = 'refund'`,
        [org],
      )
    ).rows.map((row) => Number(row.id));
    const filters: AuditFilters = { organizationId: org, query: 'refund' };
    const read = (store: Store, before: number | null) =>
      store.audit.page({ filters, before, limit: 51, audience: 'customer' });
    const sent = await statementsSentBy(ts, (store) => read(store, null));
    const first = sent.result;
    // Nothing in the newest WALK_EVENTS of Jane's events: an empty page that says where it stopped.
    expect(first.events).toEqual([]);
    expect(first.resumeBelow).toBeGreaterThan(refund ?? 0);
    for (const { statement, cost } of await costsOfSent(pool, sent)) {
      // Tested on the stored words, about a microsecond each, where computing them took 15.
      expect(cost.wordsComputed, statement).toBe(0);
    }
    const second = await read(ts.store, first.resumeBelow);
    expect(second.events.map((e) => e.id)).toEqual([refund]);
    expect(second.resumeBelow).toBeNull();
  }, 60_000);
});
