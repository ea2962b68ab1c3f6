import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { type RepeatableEntry, repeatRow } from '../lib/audit-repeat-rows.ts';
import type { LostCount } from '../lib/repeat-witness.ts';
import type { RequestMeta } from '../lib/request-meta.ts';
import * as postgres from './postgres/audit-repeats.ts';
import * as postgresSchema from './postgres/schema.ts';
import { bindAuditKey } from './sqlite/audit.ts';
import * as sqlite from './sqlite/audit-repeats.ts';
import { migrateDatabase, openDatabase } from './sqlite/client.ts';
import * as sqliteSchema from './sqlite/schema/audit-events.ts';
import { createSqliteStore } from './sqlite/store.ts';
import {
  appendEvents,
  auditTrail,
  insertRow,
  linked,
  repeatCounters,
  rowsOf,
  updateRows,
} from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const MINUTE = 60_000;
/** The start of a minute, so a test can stay inside it or step to the next. */
const M0 = 28_333_333 * MINUTE;
const meta: RequestMeta = { ip: '203.0.113.7', userAgent: 'test', requestId: 'r-1' };

/** Both adapters behind one shape, so each case below holds them to the same answers. */
function repeatsOn(ts: TestStore) {
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    return {
      record: async (entry: RepeatableEntry, rule: string, m: RequestMeta = meta) =>
        sqlite.recordRepeatable(db, entry, rule, m),
      flush: async (now: number) => sqlite.flushRepeats(db, now),
    };
  }
  const { db, auditKey } = ts;
  return {
    record: (entry: RepeatableEntry, rule: string, m: RequestMeta = meta) =>
      postgres.recordRepeatable(db, auditKey, entry, rule, m),
    flush: (now: number) => postgres.flushRepeats(db, auditKey, now),
  };
}

/** Hears the losses the store's witness reports, as the server's log does. */
function watch(ts: TestStore, report: (loss: LostCount) => void) {
  if (ts.dialect === 'sqlite') sqlite.watchRepeatLosses(ts.db, report);
  else postgres.watchRepeatLosses(ts.db, report);
}

/**
 * A PostgreSQL store and another process beside it: a handle of its own on the same pool (so on
 * the same connections, as processes behind a pooler are), so a witness of its own; with the
 * losses this store's witness reports.
 */
async function besideAnotherProcess() {
  const ts = await freshStore('postgres');
  const other = drizzle(ts.db.$client, { schema: postgresSchema });
  const reported: LostCount[] = [];
  watch(ts, (loss) => reported.push(loss));
  return { ts, other, repeats: repeatsOn(ts), reported };
}

const refusal = (at: number, userId: number | null = 7): RepeatableEntry => ({
  type: 'impersonation.refused',
  at,
  actor: { userId, kind: userId === null ? 'anonymous' : 'operator' },
  organizationId: 3,
  details: { code: 'not_allowed' },
});

/** The summaries in the trail, in a fixed order (the order of closed minutes may differ). */
async function summaries(ts: TestStore) {
  return (await auditTrail(ts))
    .filter((e) => e.type === 'audit.repeated')
    .map(({ at, actorUserId, organizationId, details }) => {
      // On PostgreSQL a summary also names the rows it took (ADR 048): the same answers else.
      const { counters: _, ...said } = details ?? {};
      return { at, actorUserId, organizationId, details: details === null ? null : said };
    })
    .sort((a, b) => a.at - b.at || (a.actorUserId ?? 0) - (b.actorUserId ?? 0));
}

describe.each(dialects)('repeated refusals and reads on %s', (dialect) => {
  it('the first of its kind in a minute is written at once; the repeats are only counted', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M0 + i * 1000), 'operator_door');

    const trail = await auditTrail(ts);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      type: 'impersonation.refused',
      at: M0,
      actorUserId: 7,
      organizationId: 3,
      ip: '203.0.113.7',
      details: { code: 'not_allowed' },
    });
    expect(await repeatCounters(ts)).toEqual([
      {
        key: 'impersonation.refused|7|operator_door|org:3',
        minute: M0 / MINUTE,
        type: 'impersonation.refused',
        actorUserId: 7,
        actorKind: 'operator',
        organizationId: 3,
        rule: 'operator_door',
        via: null,
        asked: null,
        subjectUserId: null,
        // Someone signed in: their repeats may come from anywhere, so no address is named.
        ip: null,
        count: 5,
        lastAt: M0 + 4000,
      },
    ]);
  });

  it('failures about an account are counted per address and account, and the summary names both', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    const failed = (at: number, subjectUserId: number): RepeatableEntry => ({
      type: 'auth.sign_in.failed',
      at,
      actor: { userId: null, kind: 'anonymous' },
      subjectUserId,
      details: { method: 'password', failure: 'wrong_password' },
    });
    const from = (ip: string): RequestMeta => ({ ip, userAgent: 'test', requestId: null });
    for (let i = 0; i < 3; i++)
      await repeats.record(failed(M0 + i, 5), 'wrong_password', from('198.51.100.1'));
    for (let i = 0; i < 2; i++)
      await repeats.record(failed(M0 + 10 + i, 5), 'wrong_password', from('198.51.100.2'));
    for (let i = 0; i < 2; i++)
      await repeats.record(failed(M0 + 20 + i, 6), 'wrong_password', from('198.51.100.1'));
    await repeats.flush(M0 + MINUTE);
    const trail = await auditTrail(ts);
    // Found by a review: the summaries named neither the account nor the address.
    const counted = (await rowsOf(ts, 'auditEvents'))
      .filter((e) => e.type === 'audit.repeated')
      .map((e) => JSON.stringify([e.ip, e.subjectUserId, e.details?.repeats]))
      .sort();
    expect(counted).toEqual([
      JSON.stringify(['198.51.100.1', 5, 2]),
      JSON.stringify(['198.51.100.1', 6, 1]),
      JSON.stringify(['198.51.100.2', 5, 1]),
    ]);
    expect(trail.filter((e) => e.type === 'auth.sign_in.failed')).toHaveLength(3);
    expect(linked(trail)).toBe(true);
  });

  it('repeats in an integration’s session are counted per credential, and summarised naming it', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    const via = (id: string): RequestMeta => ({
      ...meta,
      credential: { kind: 'login_token', id },
    });
    await repeats.record(refusal(M0), 'nested', via('1'));
    for (let i = 0; i < 3; i++) await repeats.record(refusal(M0 + 1000 + i), 'nested', via('2'));
    await repeats.flush(M0 + MINUTE);
    // The first of each credential is written at once, naming it; credential 2 repeated twice.
    const trail = await auditTrail(ts);
    expect(trail.filter((e) => e.type === 'impersonation.refused').map((e) => e.details)).toEqual([
      { code: 'not_allowed', via: { kind: 'login_token', id: '1' } },
      { code: 'not_allowed', via: { kind: 'login_token', id: '2' } },
    ]);
    expect((await summaries(ts)).map((s) => s.details)).toEqual([
      {
        type: 'impersonation.refused',
        rule: 'nested',
        repeats: 2,
        minute: new Date(M0).toISOString(),
        via: { kind: 'login_token', id: '2' },
      },
    ]);
  });

  it('the next record after the minute summarises its repeats in one event and forgets it', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 3; i++) await repeats.record(refusal(M0 + i * 1000), 'operator_door');
    await repeats.record(refusal(M0 + 500, 8), 'operator_door');

    await repeats.record(refusal(M0 + MINUTE + 1), 'operator_door');

    expect(await summaries(ts)).toEqual([
      {
        at: M0 + 2000,
        actorUserId: 7,
        organizationId: 3,
        details: {
          type: 'impersonation.refused',
          rule: 'operator_door',
          repeats: 2,
          minute: new Date(M0).toISOString(),
        },
      },
    ]);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual([
      'impersonation.refused',
      'impersonation.refused',
      'audit.repeated',
      'impersonation.refused',
    ]);
    expect(linked(trail)).toBe(true);
    expect((await repeatCounters(ts)).map((r) => r.minute)).toEqual([M0 / MINUTE + 1]);
  });

  it('a flush inside the minute closes only the minutes before it: no second first of this one (mutation review)', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 3; i++) await repeats.record(refusal(M0 + i * 1000), 'operator_door');
    // And, from a process whose clock lags, another kind's minute before, for the flush to close.
    for (let i = 0; i < 2; i++) await repeats.record(refusal(M0 - MINUTE + i, 8), 'team_door');
    // The server's once-a-minute flush, run while this minute is still open: it closes only
    // the minute before.
    await repeats.flush(M0 + 30_000);
    expect((await summaries(ts)).map((e) => e.details?.rule)).toEqual(['team_door']);
    await repeats.record(refusal(M0 + 40_000), 'operator_door');
    const firsts = (await auditTrail(ts)).filter((e) => e.type === 'impersonation.refused');
    expect(firsts.map((e) => e.actorUserId)).toEqual([7, 8]);
    await repeats.flush(M0 + MINUTE);
    expect((await summaries(ts)).map((e) => [e.details?.rule, e.details?.repeats])).toEqual([
      ['team_door', 1],
      ['operator_door', 3],
    ]);
  });

  it('an older minute left open by a lagging process is summarised by the next record (mutation review)', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 3; i++) await repeats.record(refusal(M0 + i * 1000), 'operator_door');
    for (let i = 0; i < 2; i++) await repeats.record(refusal(M0 - MINUTE + i, 8), 'team_door');
    expect(await summaries(ts)).toEqual([]);
    // A repeat of this minute's kind, counted: the closed minute before it is written first.
    await repeats.record(refusal(M0 + 5000), 'operator_door');
    expect((await summaries(ts)).map((e) => [e.details?.rule, e.details?.repeats])).toEqual([
      ['team_door', 1],
    ]);
  });

  it('what repeats is counted apart per actor and rule, and by address for no one', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    await repeats.record(refusal(M0), 'operator_door');
    await repeats.record(refusal(M0 + 1), 'team_door');
    await repeats.record(refusal(M0 + 2, 8), 'operator_door');
    await repeats.record(refusal(M0 + 3, null), 'operator_door');
    await repeats.record(refusal(M0 + 4, null), 'operator_door', { ...meta, ip: '198.51.100.1' });
    await repeats.record(refusal(M0 + 5, null), 'operator_door');

    expect((await auditTrail(ts)).map((e) => e.at)).toEqual([M0, M0 + 1, M0 + 2, M0 + 3, M0 + 4]);
    expect((await repeatCounters(ts)).map((r) => [r.key, r.count])).toEqual([
      ['impersonation.refused|7|operator_door|org:3', 1],
      ['impersonation.refused|7|team_door|org:3', 1],
      ['impersonation.refused|8|operator_door|org:3', 1],
      ['impersonation.refused|address:198.51.100.1|operator_door|org:3', 1],
      ['impersonation.refused|address:203.0.113.7|operator_door|org:3', 2],
    ]);
  });

  it('what repeats is counted apart per organization: each one’s trail holds its first', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    // One person reading two organizations' trails in the same minute.
    for (const organizationId of [3, 4, 3, 4]) {
      await repeats.record({ ...refusal(M0 + 1000), organizationId }, 'operator_door');
    }
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.organizationId).sort()).toEqual([3, 4]);
    expect((await repeatCounters(ts)).map((c) => [c.organizationId, c.count])).toEqual(
      expect.arrayContaining([
        [3, 2],
        [4, 2],
      ]),
    );
  });

  it('a search read in other case or spacing is the same question, counted; in another order it is another (reviews L, N)', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    const searched = (at: number, q: string): RepeatableEntry => ({
      type: 'audit.read',
      at,
      actor: { userId: 7, kind: 'customer' },
      organizationId: 3,
      details: { scope: 'team', filters: { query: q } },
    });
    const spellings = [
      'orders acme',
      'ORDERS acme',
      ' Orders  Acme',
      'oRdErS, aCmE',
      'orders-acme',
    ];
    for (const [i, q] of spellings.entries()) await repeats.record(searched(M0 + i, q), 'team');
    // The last word is read as the start of one: `acme orders` finds what `orders acme` may not.
    await repeats.record(searched(M0 + 10, 'acme orders'), 'team');
    expect((await auditTrail(ts)).map((e) => e.details)).toEqual([
      { scope: 'team', filters: { query: 'orders acme' } },
      { scope: 'team', filters: { query: 'acme orders' } },
    ]);
    expect((await repeatCounters(ts)).map((c) => c.count).sort()).toEqual([1, 5]);
  });

  it('a read is counted per what it asked, whatever the order of its fields; a refusal per rule, whatever its details', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    const exported = (at: number, details: Record<string, unknown>): RepeatableEntry => ({
      type: 'audit.exported',
      at,
      actor: { userId: 7, kind: 'operator' },
      details,
    });
    const harmless = { scope: 'sys', format: 'ndjson', filters: { type: ['settings.changed'] } };
    const wanted = { scope: 'sys', format: 'csv', filters: { subjectUserId: 42 } };
    await repeats.record(exported(M0, harmless), 'sys');
    await repeats.record(exported(M0 + 1, wanted), 'sys');
    await repeats.record(
      exported(M0 + 2, { filters: { subjectUserId: 42 }, format: 'csv', scope: 'sys' }),
      'sys',
    );
    await repeats.record(exported(M0 + 3, wanted), 'sys');
    // Refusals that differ in their details are still one rule's flood.
    await repeats.record({ ...refusal(M0 + 4), details: { code: 'a' } }, 'operator_door');
    await repeats.record({ ...refusal(M0 + 5), details: { code: 'b' } }, 'operator_door');

    expect((await auditTrail(ts)).map((e) => [e.type, e.details])).toEqual([
      ['audit.exported', harmless],
      ['audit.exported', wanted],
      ['impersonation.refused', { code: 'a' }],
    ]);
    expect((await repeatCounters(ts)).map((c) => [c.type, c.count])).toEqual(
      expect.arrayContaining([
        ['audit.exported', 1],
        ['audit.exported', 3],
        ['impersonation.refused', 2],
      ]),
    );
    await repeats.flush(M0 + MINUTE);
    expect((await summaries(ts)).map((s) => s.details)).toEqual([
      {
        type: 'audit.exported',
        rule: 'sys',
        repeats: 2,
        minute: new Date(M0).toISOString(),
        asked: wanted,
      },
      {
        type: 'impersonation.refused',
        rule: 'operator_door',
        repeats: 1,
        minute: new Date(M0).toISOString(),
      },
    ]);
  });

  it('a counter from before reads were counted per question is summarised as it was, and a read after it is written', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    const read = (at: number): RepeatableEntry => ({
      type: 'audit.read',
      at,
      actor: { userId: 7, kind: 'operator' },
      details: { scope: 'sys', filters: {} },
    });
    // As a process before the migration left it: the minute's first read written, and its
    // counter keyed without the question, with no `asked`.
    await appendEvents(ts, [read(M0)], meta);
    await insertRow(ts, 'auditRepeats', {
      ...repeatRow(read(M0), 'sys', meta),
      key: 'audit.read|7|sys',
      asked: null,
      count: 2,
      lastAt: M0 + 1,
      // On PostgreSQL, the row its migration (0030) took to hold the minute's first.
      ...(ts.dialect === 'postgres' ? { first: true } : {}),
    });
    await repeats.record(read(M0 + 2), 'sys');
    await repeats.flush(M0 + MINUTE);

    expect((await auditTrail(ts)).filter((e) => e.type === 'audit.read')).toHaveLength(2);
    expect((await summaries(ts)).map((s) => s.details)).toEqual([
      { type: 'audit.read', rule: 'sys', repeats: 1, minute: new Date(M0).toISOString() },
    ]);
  });

  it("the server's flush summarises every closed minute and leaves the current one counting", async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    await repeats.record(refusal(M0), 'operator_door');
    await repeats.record(refusal(M0 + 1), 'operator_door');
    await repeats.record(refusal(M0 + 2, 8), 'operator_door');
    await repeats.record(refusal(M0 + MINUTE + 1, 9), 'operator_door');
    await repeats.record(refusal(M0 + MINUTE + 2, 9), 'operator_door');

    await repeats.flush(M0 + MINUTE + 30_000);

    expect((await summaries(ts)).map((s) => [s.actorUserId, s.details?.repeats])).toEqual([[7, 1]]);
    expect((await repeatCounters(ts)).map((r) => [r.actorUserId, r.count])).toEqual([[9, 2]]);

    await repeats.flush(M0 + 2 * MINUTE);
    expect((await summaries(ts)).map((s) => [s.actorUserId, s.details?.repeats])).toEqual([
      [7, 1],
      [9, 1],
    ]);
    expect(await rowsOf(ts, 'auditRepeats')).toEqual([]);
    expect(linked(await auditTrail(ts))).toBe(true);
  });

  it('twenty of one kind at once: one event is written, and the other nineteen are summarised', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => repeats.record(refusal(M0 + i), 'operator_door')),
    );

    expect((await auditTrail(ts)).filter((e) => e.type === 'impersonation.refused')).toHaveLength(
      1,
    );
    await repeats.flush(M0 + MINUTE);
    expect((await summaries(ts)).map((s) => [s.at, s.details?.repeats])).toEqual([[M0 + 19, 19]]);
    expect(linked(await auditTrail(ts))).toBe(true);
  });

  it('records and flushes racing over a closed minute summarise it once, and the chain holds', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (const userId of [1, 2, 3]) {
      await repeats.record(refusal(M0, userId), 'operator_door');
      await repeats.record(refusal(M0 + 1, userId), 'operator_door');
    }

    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        repeats.record(refusal(M0 + MINUTE + i, (i % 4) + 1), 'operator_door'),
      ),
      repeats.flush(M0 + MINUTE),
      repeats.flush(M0 + MINUTE),
      repeats.flush(M0 + MINUTE),
    ]);

    expect((await summaries(ts)).map((s) => [s.actorUserId, s.details?.repeats])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    const firsts = (await auditTrail(ts)).filter(
      (e) => e.type === 'impersonation.refused' && e.at >= M0 + MINUTE,
    );
    expect(firsts.map((e) => e.actorUserId).sort()).toEqual([1, 2, 3, 4]);
    expect((await rowsOf(ts, 'auditRepeats')).map((r) => r.count).reduce((a, b) => a + b, 0)).toBe(
      20,
    );
    expect(linked(await auditTrail(ts))).toBe(true);
  });
});

describe('repeats on PostgreSQL, counted by several connections', () => {
  /** A connection of its own, as one of a pool's, with the handle the store's functions take. */
  async function connection(url: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return { client, db: drizzle(client, { schema: postgresSchema }) };
  }

  it("a connection's row set below zero takes none of the others' counts from the minute's summary", async () => {
    const ts = await freshStore('postgres');
    const [a, b] = await Promise.all([connection(ts.url), connection(ts.url)]);
    const record = (on: typeof a, at: number) =>
      postgres.recordRepeatable(on.db, ts.auditKey, refusal(at), 'operator_door', meta);
    try {
      for (let i = 0; i < 5; i++) await record(a, M0 + i);
      for (let i = 5; i < 10; i++) await record(b, M0 + i);
      const set = await a.client.query(
        'UPDATE audit_repeats SET count = -100 WHERE stripe = pg_backend_pid()',
      );
      expect(set.rowCount).toBe(1);

      await postgres.flushRepeats(ts.db, ts.auditKey, M0 + MINUTE);

      // The five counted on the other connection are still summarised, all repeats: the
      // minute's first was written with the row set below zero.
      expect((await summaries(ts)).map((s) => s.details?.repeats)).toEqual([5]);
    } finally {
      await Promise.all([a.client.end(), b.client.end()]);
    }
  });

  it("counts on one connection without waiting for another's uncommitted count, and the minute sums both", async () => {
    const ts = await freshStore('postgres');
    const [a, b] = await Promise.all([connection(ts.url), connection(ts.url)]);
    const record = (on: typeof a, at: number) =>
      postgres.recordRepeatable(on.db, ts.auditKey, refusal(at), 'operator_door', meta);
    try {
      await record(a, M0);
      await record(b, M0 + 1);
      // A reader's page counted in a transaction not yet committed (flushing, say)...
      await a.client.query('BEGIN');
      await record(a, M0 + 2);
      // ...and another reader's page on another connection is counted meanwhile, not held.
      let waited: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        record(b, M0 + 3).then(() => 'counted'),
        new Promise((resolve) => {
          waited = setTimeout(() => resolve('waited'), 3_000);
        }),
      ]);
      clearTimeout(waited);
      expect(outcome).toBe('counted');
      await a.client.query('COMMIT');

      await postgres.flushRepeats(ts.db, ts.auditKey, M0 + MINUTE);
      expect((await summaries(ts)).map((s) => [s.actorUserId, s.details?.repeats])).toEqual([
        [7, 3],
      ]);
      expect((await auditTrail(ts)).filter((e) => e.type === 'impersonation.refused')).toHaveLength(
        1,
      );
      expect(await rowsOf(ts, 'auditRepeats')).toEqual([]);
    } finally {
      await a.client.query('ROLLBACK').catch(() => {});
      await Promise.all([a.client.end(), b.client.end()]);
    }
  });
});

/**
 * Refusals of one kind the trail accounts for: the first of each minute, written in full, and
 * every repeat its summaries (and the witness's appends) give.
 */
async function accountedFor(ts: TestStore): Promise<number> {
  const trail = await auditTrail(ts);
  const firsts = trail.filter((e) => e.type === 'impersonation.refused').length;
  const repeats = trail
    .filter((e) => e.type === 'audit.repeated')
    .reduce((sum, e) => sum + Number(e.details?.repeats), 0);
  return firsts + repeats;
}

/** The witness's appends: the counts a counter lost, with what was counted and what it held. */
async function losses(ts: TestStore) {
  return (await summaries(ts))
    .filter((s) => s.details?.counter !== undefined)
    .map((s) => ({ repeats: s.details?.repeats, counter: s.details?.counter }));
}

/** Counter rows set back (`count`) or deleted behind the store, as someone at the database would. */
async function tamper(ts: TestStore, count: number | 'delete') {
  if (count !== 'delete') return updateRows(ts, 'auditRepeats', { count }, {});
  if (ts.dialect === 'sqlite') return ts.db.delete(sqliteSchema.auditRepeats).run().changes;
  return (await ts.db.delete(postgresSchema.auditRepeats).returning()).length;
}

describe.each(dialects)('a repeat counter set back in the database, on %s (ADR 048)', (dialect) => {
  it('fifty refusals, the counter set back to one before the summary: the process appends the 49 it counted', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    const reported: LostCount[] = [];
    watch(ts, (loss) => reported.push(loss));
    for (let i = 0; i < 50; i++) await repeats.record(refusal(M0 + i * 100), 'operator_door');
    expect(await tamper(ts, 1)).toBeGreaterThan(0);

    await repeats.flush(M0 + MINUTE);

    expect(await accountedFor(ts)).toBe(50);
    const [loss] = await losses(ts);
    expect(loss?.counter).toMatchObject({ stored: 1 });
    expect(reported.map((r) => r.lost).reduce((a, b) => a + b, 0)).toBe(
      (await losses(ts)).reduce((sum, l) => sum + Number(l.repeats), 0),
    );
    expect(linked(await auditTrail(ts))).toBe(true);
  });

  it('set back while the flood goes on: the next count sees it, and the minute still sums to every refusal', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 10; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    await tamper(ts, 2);
    await repeats.record(refusal(M0 + 10), 'operator_door');
    // Appended at once, not only when the minute is summarised.
    expect((await losses(ts)).length).toBeGreaterThan(0);
    for (let i = 11; i < 15; i++) await repeats.record(refusal(M0 + i), 'operator_door');

    await repeats.flush(M0 + MINUTE);

    expect(await accountedFor(ts)).toBe(15);
    expect(linked(await auditTrail(ts))).toBe(true);
  });

  it('nothing set back: no loss is appended, whoever summarised the minute and however late a count came', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    const reported: LostCount[] = [];
    watch(ts, (loss) => reported.push(loss));
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    await repeats.flush(M0 + MINUTE);
    // Counts of that minute arriving after its summary (a slow request) start it again.
    for (let i = 5; i < 8; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    await repeats.flush(M0 + 2 * MINUTE);

    expect(await accountedFor(ts)).toBe(8);
    expect(await losses(ts)).toEqual([]);
    expect(reported).toEqual([]);
  });
});

describe('a repeat counter deleted in the database', () => {
  it('on SQLite, one process writing, a deleted counter loses nothing: the flush appends what it held', async () => {
    const ts = await freshStore('sqlite');
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 10; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    expect(await tamper(ts, 'delete')).toBe(1);

    await repeats.flush(M0 + MINUTE);

    expect(await accountedFor(ts)).toBe(10);
    expect(await losses(ts)).toEqual([{ repeats: 9, counter: { counted: 10, stored: null } }]);
  });

  it('on SQLite, a deleted counter counted into again: the count appends what the old one held', async () => {
    const ts = await freshStore('sqlite');
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 10; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    await tamper(ts, 'delete');
    await repeats.record(refusal(M0 + 10), 'operator_door');
    await repeats.record(refusal(M0 + 11), 'operator_door');

    await repeats.flush(M0 + MINUTE);

    // The first of the minute twice (the counter made anew writes it again), nine lost, one repeat.
    expect(await accountedFor(ts)).toBe(12);
    expect(await losses(ts)).toEqual([{ repeats: 9, counter: { counted: 11, stored: 1 } }]);
  });

  it('on SQLite, a command beside the server counts but summarises nothing: the server finds its counters where it left them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-repeats-'));
    try {
      const file = path.join(dir, 'onbehalf.db');
      const key = randomBytes(32);
      const server = openDatabase(file);
      const command = openDatabase(file);
      bindAuditKey(server.db, key);
      bindAuditKey(command.db, key);
      migrateDatabase(server.db);
      sqlite.leaveSummariesToTheServer(command.db);
      const ts: TestStore = {
        dialect: 'sqlite',
        store: createSqliteStore(server.db),
        db: server.db,
        auditKey: key,
      };
      for (let i = 0; i < 5; i++)
        await sqlite.recordRepeatable(server.db, refusal(M0 + i), 'operator_door', meta);
      // `pnpm cli one-click` refused in the next minute, while the server runs.
      sqlite.recordRepeatable(command.db, refusal(M0 + MINUTE, null), 'operator_door', meta);
      sqlite.flushRepeats(server.db, M0 + 2 * MINUTE);

      expect(await accountedFor(ts)).toBe(6);
      expect(await losses(ts)).toEqual([]);
      server.sqlite.close();
      command.sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("on PostgreSQL, another process's summary is no loss: a counter gone is not taken for one deleted", async () => {
    const { ts, other, repeats } = await besideAnotherProcess();
    // Summarised by the other before this one's counts of the minute are over (its clock a
    // little ahead): the late counts start the counter again, as a deleted one would.
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    await postgres.flushRepeats(other, ts.auditKey, M0 + MINUTE);
    for (let i = 5; i < 8; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    await repeats.flush(M0 + MINUTE);
    // Summarised by the other before this one's own flush: the counter is gone when it looks.
    const M2 = M0 + 2 * MINUTE;
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M2 + i), 'operator_door');
    await postgres.flushRepeats(other, ts.auditKey, M2 + MINUTE);
    await repeats.flush(M2 + MINUTE);

    expect(await accountedFor(ts)).toBe(13);
    expect(await losses(ts)).toEqual([]);
  });
});

describe.each(dialects)('the repeat witness never counts more than was lost, on %s', (dialect) => {
  it('a counter set to zero before the summary: its first event still counts, so four of the five are appended', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    expect(await tamper(ts, 0)).toBeGreaterThan(0);

    await repeats.flush(M0 + MINUTE);

    // The first is in the trail already: four repeats were lost, not five.
    expect(await losses(ts)).toEqual([{ repeats: 4, counter: { counted: 5, stored: 0 } }]);
    expect(await accountedFor(ts)).toBe(5);
  });

  it('a counter set below zero: what is appended is never more than the process counted', async () => {
    const ts = await freshStore(dialect);
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    expect(await tamper(ts, -100)).toBeGreaterThan(0);

    await repeats.flush(M0 + MINUTE);

    expect(await losses(ts)).toEqual([{ repeats: 4, counter: { counted: 5, stored: -100 } }]);
    expect(await accountedFor(ts)).toBe(5);
  });
});

describe('the repeat witness on SQLite, one process writing', () => {
  it('a count that fails after its flush: the rows its rollback puts back are still witnessed, and one set back later is seen', async () => {
    const ts = await freshStore('sqlite');
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 10; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    // The first refusal of the next minute (another operator) fails with its attempt row (a full
    // disk, a constraint): its savepoint rolls back, the flush it began with too, so the
    // counter of M0 is back in the database, unsummarised. The witness forgot it all the same.
    expect(() =>
      sqlite.recordRepeatable(ts.db, refusal(M0 + MINUTE, 8), 'operator_door', meta, () => {
        throw new Error('the attempt row could not be written');
      }),
    ).toThrow();
    expect((await rowsOf(ts, 'auditRepeats')).map((r) => r.count)).toEqual([10]);
    await tamper(ts, 1);

    await repeats.flush(M0 + 2 * MINUTE);

    expect(await losses(ts)).toEqual([{ repeats: 9, counter: { counted: 10, stored: 1 } }]);
    expect(await accountedFor(ts)).toBe(10);
  });
});

describe('the repeat witness on PostgreSQL, several processes', () => {
  it('a counter set back, then summarised by another process: this one finds its row in the summary and appends what it lost', async () => {
    const { ts, other, repeats } = await besideAnotherProcess();
    for (let i = 0; i < 10; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    expect(await tamper(ts, 2)).toBeGreaterThan(0);

    await postgres.flushRepeats(other, ts.auditKey, M0 + MINUTE);
    await repeats.flush(M0 + MINUTE);

    expect(await losses(ts)).toEqual([{ repeats: 8, counter: { counted: 10, stored: 2 } }]);
    expect(await accountedFor(ts)).toBe(10);
  });

  it('a counter deleted before any summary: this one finds its row in none and appends what it lost', async () => {
    const { ts, other, repeats } = await besideAnotherProcess();
    for (let i = 0; i < 10; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    expect(await tamper(ts, 'delete')).toBeGreaterThan(0);

    await postgres.flushRepeats(other, ts.auditKey, M0 + MINUTE);
    await repeats.flush(M0 + MINUTE);

    expect(await losses(ts)).toEqual([{ repeats: 9, counter: { counted: 10, stored: null } }]);
    expect(await accountedFor(ts)).toBe(10);
  });

  it('no false loss when another process, its clock ahead, summarised the minute before this one looked at the trail in it', async () => {
    const { ts, other, repeats, reported } = await besideAnotherProcess();
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    // The other's minute is over; this one's is not, and its housekeeping runs in it.
    await postgres.flushRepeats(other, ts.auditKey, M0 + MINUTE);
    await repeats.flush(M0 + 30_000);
    await repeats.flush(M0 + MINUTE);

    expect(reported).toEqual([]);
    expect(await losses(ts)).toEqual([]);
    expect(await accountedFor(ts)).toBe(5);
  });

  it('a summary names the rows it took, by the mark each was made with, and what each held', async () => {
    const ts = await freshStore('postgres');
    const repeats = repeatsOn(ts);
    for (let i = 0; i < 3; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    const [row] = await ts.db.select().from(postgresSchema.auditRepeats);
    await repeats.flush(M0 + MINUTE);

    const [summary] = (await auditTrail(ts)).filter((e) => e.type === 'audit.repeated');
    expect(summary?.details?.counters).toEqual([{ made: row?.made, count: 3 }]);
  });

  it('no false loss when another process, after summarising the minute early, counts late on the connection this one counted on', async () => {
    const { ts, other, repeats, reported } = await besideAnotherProcess();
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M0 + i), 'operator_door');
    // Its clock a little ahead: the minute summarised, then its own late counts start it again.
    await postgres.flushRepeats(other, ts.auditKey, M0 + MINUTE);
    for (let i = 5; i < 8; i++) {
      await postgres.recordRepeatable(other, ts.auditKey, refusal(M0 + i), 'operator_door', meta);
    }
    await repeats.record(refusal(M0 + 8), 'operator_door');
    await repeats.flush(M0 + MINUTE);
    // The same, and this one's own flush takes the row made again without counting into it.
    const M2 = M0 + 2 * MINUTE;
    for (let i = 0; i < 5; i++) await repeats.record(refusal(M2 + i), 'operator_door');
    await postgres.flushRepeats(other, ts.auditKey, M2 + MINUTE);
    for (let i = 5; i < 7; i++) {
      await postgres.recordRepeatable(other, ts.auditKey, refusal(M2 + i), 'operator_door', meta);
    }
    await repeats.flush(M2 + MINUTE);

    expect(reported).toEqual([]);
    expect(await losses(ts)).toEqual([]);
    expect(await accountedFor(ts)).toBe(16);
  });
});

describe('the repeat witness on PostgreSQL, a count racing the summary of its minute', () => {
  /**
   * A connection of its own whose next COMMIT waits until the test lets it go, so that a
   * flush's transaction can be held after its delete and its summary, uncommitted.
   */
  function holdNextCommit(client: pg.Client | pg.PoolClient) {
    let reached!: () => void;
    let release!: () => void;
    const atCommit = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let armed = false;
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
      ...args: unknown[]
    ) => {
      if (armed && args[0] === 'COMMIT') {
        armed = false;
        reached();
        return released.then(() => query(...args));
      }
      return query(...args);
    };
    return {
      arm: () => {
        armed = true;
      },
      atCommit,
      release,
    };
  }

  it('a repeat counted while another process summarises its minute is still in the trail', async () => {
    const ts = await freshStore('postgres');
    const q = new pg.Client({ connectionString: ts.url });
    const f = new pg.Client({ connectionString: ts.url });
    await Promise.all([q.connect(), f.connect()]);
    const qdb = drizzle(q, { schema: postgresSchema });
    const flusher = drizzle(f, { schema: postgresSchema });
    const repeats = repeatsOn(ts);
    const reported: LostCount[] = [];
    watch(ts, (loss) => reported.push(loss));
    try {
      // Another process counts a flood's first three of the minute.
      for (let i = 0; i < 3; i++) {
        await postgres.recordRepeatable(qdb, ts.auditKey, refusal(M0 + i), 'operator_door', meta);
      }
      // A third process's housekeeping takes the minute: deleted and summarised, not committed yet.
      const held = holdNextCommit(f);
      held.arm();
      const flushing = postgres.flushRepeats(flusher, ts.auditKey, M0 + MINUTE);
      await held.atCommit;
      // Meanwhile this process counts two more of the minute (a request at its last moment).
      await repeats.record(refusal(M0 + 59_000), 'operator_door');
      await repeats.record(refusal(M0 + 59_001), 'operator_door');
      held.release();
      await flushing;
      await repeats.flush(M0 + MINUTE);

      // Five refusals: the first, and four repeats, whoever summarised them.
      expect(await accountedFor(ts)).toBe(5);
      expect(linked(await auditTrail(ts))).toBe(true);
    } finally {
      await Promise.all([q.end(), f.end()]);
    }
  });

  it('no false loss for a repeat this process counted into its minute while its own next-minute record was summarising it', async () => {
    const ts = await freshStore('postgres');
    const q = new pg.Client({ connectionString: ts.url });
    await q.connect();
    const qdb = drizzle(q, { schema: postgresSchema });
    // This process: a pool of its own, so its record and its count run on two connections.
    const pool = new pg.Pool({ connectionString: ts.url, max: 4 });
    const held: ReturnType<typeof holdNextCommit>[] = [];
    pool.on('connect', (client) => {
      held.push(holdNextCommit(client));
    });
    const p = drizzle(pool, { schema: postgresSchema });
    const reported: LostCount[] = [];
    postgres.watchRepeatLosses(p, (loss) => reported.push(loss));
    try {
      await postgres.startWitnessing(p);
      // Another process writes the minute's first.
      await postgres.recordRepeatable(qdb, ts.auditKey, refusal(M0), 'operator_door', meta);
      // This process's first refusal of the next minute (another operator) takes the minute
      // before: held uncommitted after its delete.
      const first = await pool.connect();
      first.release();
      for (const h of held) h.arm();
      const next = postgres.recordRepeatable(
        p,
        ts.auditKey,
        refusal(M0 + MINUTE, 8),
        'operator_door',
        meta,
      );
      await Promise.race(held.map((h) => h.atCommit));
      // A request of this process still in the minute, on another connection.
      await postgres.recordRepeatable(p, ts.auditKey, refusal(M0 + 59_999), 'operator_door', meta);
      for (const h of held) h.release();
      await next;
      // Its housekeeping.
      await postgres.flushRepeats(p, ts.auditKey, M0 + 2 * MINUTE);

      // Nothing was set back or deleted behind the store: no loss is reported or appended.
      expect(reported).toEqual([]);
      expect(await losses(ts)).toEqual([]);
      expect(await accountedFor(ts)).toBe(3);
    } finally {
      for (const h of held) h.release();
      await Promise.all([q.end(), pool.end()]);
    }
  });
});
