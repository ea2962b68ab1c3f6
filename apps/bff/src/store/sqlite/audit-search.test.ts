import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../../lib/audit-event.ts';
import { appendEvents } from '../test-rows.ts';
import { freshStore } from '../test-stores.ts';
import { pruneAuditEvents } from './audit-chain.ts';
import {
  auditSearchProgress,
  catchUpAuditSearch,
  indexAuditSearch,
  startAuditSearchIndexer,
} from './audit-search.ts';
import { type Db, migrateDatabase, openDatabase } from './client.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `count` events whose reasons are `word-<n>`, so each is found by a word of its own. */
function entries(count: number, first = 0, at = T0): AuditEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'auth.signed_out' as const,
    at,
    actor: { userId: null, kind: 'operator' as const },
    reason: `note w${first + i}x`,
  }));
}

/** The ids the full-text index itself finds for a word, without any catching up. */
function indexed(db: Db, word: string): number[] {
  return db
    .all<{ id: number }>(
      sql`SELECT rowid AS id FROM audit_fts WHERE audit_fts MATCH ${`"${word}"`} ORDER BY rowid`,
    )
    .map((row) => row.id);
}

/**
 * FTS5's own check of the index against its content table, the trail; throws if they differ.
 * Only meaningful once the index has caught up: an event not indexed yet is a difference.
 */
function checkIndex(db: Db) {
  db.run(sql`INSERT INTO audit_fts (audit_fts, rank) VALUES ('integrity-check', 1)`);
}

describe('the audit trail search index, fed in batches behind the writes (ADR 024)', () => {
  it('leaves writes out of the index until a batch indexes them, in id order, up to the batch size', async () => {
    const ts = await freshStore('sqlite');
    await appendEvents(ts, entries(5), meta);
    const { through, newest } = auditSearchProgress(ts.db);
    expect(newest - through).toBe(5);
    // The write itself did not touch the index.
    expect(indexed(ts.db, 'note')).toEqual([]);

    expect(indexAuditSearch(ts.db, { batch: 2 })).toBe(2);
    expect(indexed(ts.db, 'note')).toEqual([through + 1, through + 2]);
    expect(auditSearchProgress(ts.db).through).toBe(through + 2);
    // Never past `upTo`, even with room in the batch.
    expect(indexAuditSearch(ts.db, { batch: 10, upTo: through + 3 })).toBe(1);
    expect(auditSearchProgress(ts.db).through).toBe(through + 3);
    expect(indexAuditSearch(ts.db, { batch: 10 })).toBe(2);
    expect(indexAuditSearch(ts.db, { batch: 10 })).toBe(0);
    expect(auditSearchProgress(ts.db)).toEqual({ through: newest, newest });
    expect(indexed(ts.db, 'note')).toHaveLength(5);
    checkIndex(ts.db);
  });

  it('lets a search find every event written before it, half indexed or not at all', async () => {
    const ts = await freshStore('sqlite');
    await appendEvents(ts, entries(3, 0), meta);
    indexAuditSearch(ts.db);
    await appendEvents(ts, entries(3, 3), meta);
    const search = async (q: string) =>
      (
        await ts.store.audit.page({
          filters: { query: q },
          before: null,
          limit: 50,
          audience: 'staff',
        })
      ).events.length;

    expect(indexed(ts.db, 'w4x')).toEqual([]);
    expect(await search('w4x')).toBe(1);
    expect(await search('w1x')).toBe(1);
    expect(await search('note')).toBe(6);
    const { through, newest } = auditSearchProgress(ts.db);
    expect(through).toBe(newest);
    checkIndex(ts.db);
  });

  it('catches up a long tail a batch per turn of the event loop, so other work runs between', async () => {
    const ts = await freshStore('sqlite');
    await appendEvents(ts, entries(25), meta);
    const order: string[] = [];
    const original = ts.db.transaction.bind(ts.db);
    // Notes each batch by its transaction, without changing it.
    ts.db.transaction = ((work: Parameters<Db['transaction']>[0]) => {
      order.push('batch');
      return original(work);
    }) as Db['transaction'];
    // Other work, queued before the catch-up starts: it runs once the first batch yields.
    setImmediate(() => order.push('other'));
    await catchUpAuditSearch(ts.db, 10);
    expect(order).toEqual(['batch', 'other', 'batch', 'batch']);
    const { through, newest } = auditSearchProgress(ts.db);
    expect(through).toBe(newest);
    // Nothing waits: catching up again writes nothing.
    await catchUpAuditSearch(ts.db, 10);
    expect(order).toHaveLength(4);
  });

  it('prunes indexed and unindexed events alike and leaves the index consistent', async () => {
    const ts = await freshStore('sqlite');
    await appendEvents(ts, entries(4, 0, T0), meta);
    indexAuditSearch(ts.db, { batch: 2 });
    await appendEvents(ts, entries(2, 4, T0 + 200 * DAY), meta);
    // Events 3 and 4 (old, not yet indexed) and 1 and 2 (old, indexed) go.
    const { pruned } = await pruneAuditEvents(ts.db, ts.auditKey, 30, T0 + 200 * DAY + 1, {
      pauseMs: 0,
    });
    expect(pruned).toBe(4);
    const { events: found } = await ts.store.audit.page({
      filters: { query: 'note' },
      before: null,
      limit: 50,
      audience: 'staff',
    });
    expect(found).toHaveLength(2);
    checkIndex(ts.db);
  });

  it('mends a mark moved past the newest event: the index emptied and the trail indexed again, said once', async () => {
    const ts = await freshStore('sqlite');
    await appendEvents(ts, entries(3), meta);
    await catchUpAuditSearch(ts.db);
    // A hand in the database file: every later event would go unindexed.
    ts.db.run(sql`UPDATE audit_search_progress SET indexed_through = 9007199254740000`);
    await appendEvents(ts, entries(2, 3), meta);
    const problems: unknown[] = [];
    await catchUpAuditSearch(ts.db, 500, (problem) => problems.push(problem));
    expect(indexed(ts.db, 'w4x')).toHaveLength(1);
    expect(indexed(ts.db, 'note')).toHaveLength(5);
    const { through, newest } = auditSearchProgress(ts.db);
    expect(through).toBe(newest);
    checkIndex(ts.db);
    expect(problems.map(String)).toEqual([
      expect.stringMatching(/the audit search index said it held events not yet written/i),
    ]);
    // Nothing more to say once mended.
    await catchUpAuditSearch(ts.db, 500, (problem) => problems.push(problem));
    expect(problems).toHaveLength(1);
  });

  it('takes a trail pruned whole, its mark left at its last event, for no hand: nothing said or rebuilt', async () => {
    const ts = await freshStore('sqlite');
    await appendEvents(ts, entries(3, 0, T0 - 500 * DAY), meta);
    await catchUpAuditSearch(ts.db);
    await pruneAuditEvents(ts.db, ts.auditKey, 400, T0);
    const { through, newest } = auditSearchProgress(ts.db);
    expect([newest, through]).toEqual([0, expect.any(Number)]);
    expect(through).toBeGreaterThan(0);
    const problems: unknown[] = [];
    await catchUpAuditSearch(ts.db, 500, (problem) => problems.push(problem));
    expect(problems).toEqual([]);
    expect(auditSearchProgress(ts.db).through).toBe(through);
    await appendEvents(ts, entries(1, 3), meta);
    await catchUpAuditSearch(ts.db, 500, (problem) => problems.push(problem));
    expect(indexed(ts.db, 'w3x')).toHaveLength(1);
    expect(problems).toEqual([]);
    checkIndex(ts.db);
  });

  it('indexes in the background every `everyMs` on its own, and stops when told', async () => {
    const ts = await freshStore('sqlite');
    // The indexer's clock only: a tick is then a call, not a wait.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    cleanups.push(() => void vi.useRealTimers());
    const problems: unknown[] = [];
    const indexer = startAuditSearchIndexer(ts.db, {
      everyMs: 200,
      report: (p) => problems.push(p),
    });
    cleanups.push(() => indexer.stop());
    await appendEvents(ts, entries(3), meta);
    // Its first pass (at start, nothing to do) has settled.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(indexed(ts.db, 'note')).toEqual([]);
    vi.advanceTimersByTime(200);
    // A tick indexes its first batch at once, before it yields.
    expect(indexed(ts.db, 'note')).toHaveLength(3);
    await indexer.stop();
    await appendEvents(ts, entries(1, 3), meta);
    vi.advanceTimersByTime(1_000);
    expect(indexed(ts.db, 'w3x')).toEqual([]);
    expect(problems).toEqual([]);
  });

  /** Migrates `db` up to, not including, the migration tagged `before`. */
  function migrateBefore(db: Db, before: string) {
    const source = fileURLToPath(new URL('./migrations', import.meta.url));
    const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-migrations-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(source, dir, { recursive: true });
    const journalFile = path.join(dir, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as {
      entries: { tag: string }[];
    };
    const at = journal.entries.findIndex((entry) => entry.tag === before);
    expect(at).toBeGreaterThan(0);
    writeFileSync(
      journalFile,
      JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }),
    );
    migrate(db, { migrationsFolder: dir });
  }

  /**
   * Indexes the trail through event `through` as the server did before migration 0025 (whose
   * index has a column more): `indexAuditSearch` is written for the index of today.
   */
  function indexBefore0025(db: Db, through: number) {
    db.run(sql`INSERT INTO audit_fts (rowid, reason, details, type, ip)
      SELECT id, reason, details, type, ip FROM audit_events WHERE id <= ${through} ORDER BY id`);
    db.run(sql`UPDATE audit_search_progress SET indexed_through = ${through}`);
  }

  it('starts where the trigger left off on a database indexed before this change', async () => {
    const { db } = openDatabase(':memory:');
    migrateBefore(db, '0013_deferred_audit_search');
    // Before the change, the insert trigger indexed every event as it was written.
    db.run(sql`INSERT INTO audit_events (at, type, actor_kind, reason, prev_hash, hash)
      VALUES (${T0}, 'auth.signed_out', 'operator', 'written before', 'p', 'h')`);
    expect(indexed(db, 'before')).toHaveLength(1);
    // Not as far as the migration that indexes the trail again (below).
    migrateBefore(db, '0018_search_words_apart');
    const { through, newest } = auditSearchProgress(db);
    expect(through).toBe(newest);
    expect(indexAuditSearch(db)).toBe(0);
    checkIndex(db);
  });

  it('indexes the trail again, in batches, after the index learnt one-letter prefixes (migration 0018)', async () => {
    const { db } = openDatabase(':memory:');
    migrateBefore(db, '0018_search_words_apart');
    db.run(sql`INSERT INTO audit_events (at, type, actor_kind, reason, prev_hash, hash)
      VALUES (${T0}, 'auth.signed_out', 'operator', 'written before', 'p', 'h'),
             (${T0}, 'auth.signed_out', 'operator', 'written later', 'p', 'h')`);
    indexBefore0025(db, 1);
    migrateDatabase(db);
    // Empty, and nothing counted as indexed: pruning an event the index no longer holds
    // leaves the index alone (its trigger reads the mark).
    expect(auditSearchProgress(db)).toEqual({ through: 0, newest: 2 });
    expect(indexed(db, 'written')).toEqual([]);
    await catchUpAuditSearch(db, 1);
    expect(indexed(db, 'written')).toEqual([1, 2]);
    checkIndex(db);
    for (const index of ['audit_fts', 'users_fts']) {
      const made = db.get<{ sql: string }>(
        sql`SELECT sql FROM sqlite_master WHERE name = ${index}`,
      );
      expect(made?.sql, index).toContain("prefix = '1 2 3'");
    }
  });

  it("indexes the trail again, an operator's address apart from the rest, after migration 0025", async () => {
    const { db } = openDatabase(':memory:');
    migrateBefore(db, '0025_operator_address_staff_search_only');
    db.run(sql`INSERT INTO audit_events (at, type, actor_kind, reason, ip, prev_hash, hash)
      VALUES (${T0}, 'auth.signed_out', 'operator', 'by support', '198.51.100.23', 'p', 'h'),
             (${T0}, 'auth.signed_out', 'customer', 'by jane', '198.51.7.9', 'p', 'h')`);
    indexBefore0025(db, 2);
    migrateDatabase(db);
    expect(auditSearchProgress(db)).toEqual({ through: 0, newest: 2 });
    await catchUpAuditSearch(db);
    // Every address, as before, and the operator's alone in a column of its own.
    const found = (query: string) =>
      db.all<{ id: number }>(sql`SELECT rowid AS id FROM audit_fts WHERE audit_fts MATCH ${query}
        ORDER BY rowid`);
    expect(found('"198"')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(found('operator_ip : "198"')).toEqual([{ id: 1 }]);
    expect(found('- operator_ip : "198"')).toEqual([{ id: 2 }]);
    checkIndex(db);
  });
});
