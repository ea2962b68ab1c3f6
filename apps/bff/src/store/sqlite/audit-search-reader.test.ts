import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AuditFilters } from '@onbehalf/contracts/audit';
import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuditEventsRead } from '../../features/audit/audit.store.ts';
import { AppError } from '../../lib/errors.ts';
import type { Store } from '../store.ts';
import { matchWindow, SEARCH_STEPS, SEARCH_WINDOW } from './audit.store.ts';
import { catchUpAuditSearch } from './audit-search.ts';
import {
  ANSWER_TIMEOUT_MS,
  MAX_RETRY_AFTER_MS,
  RETRY_AFTER_MS,
  startAuditSearchReader,
} from './audit-search-reader.ts';
import { type Db, migrateDatabase, openDatabase } from './client.ts';
import { startCommitGroups } from './commit-groups.ts';
import { ftsQuery } from './search.ts';
import { createSqliteStore } from './store.ts';

const T0 = 1_700_000_000_000;
/** More matches than one read of a search examines (SEARCH_STEPS windows), and then some. */
const EVENTS = SEARCH_STEPS * SEARCH_WINDOW + 12_000;
const PHRASES = ['password reset', 'passport shown', 'sign in started', 'order placed', 'ticket'];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

/** A migrated database in a file of a temp directory, removed after the test (or the file). */
function fileDatabase(after: (cleanup: () => void) => void = (c) => cleanups.push(c)) {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-search-reader-'));
  const file = path.join(dir, 'test.db');
  const { db, sqlite } = openDatabase(file);
  migrateDatabase(db);
  after(() => {
    if (sqlite.open) sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, sqlite, file, dir };
}

/**
 * `count` events a second apart: each reason one of PHRASES and a number of its own (`n<i>`);
 * one in 1,000 an order; the second and the last a sign-in, so that a search for sign-ins with
 * a word everyone has reads more windows than one request may.
 */
function writeEvents(sqlite: Database.Database, count: number, first = 0) {
  const insert = sqlite.prepare(
    `INSERT INTO audit_events (at, type, actor_kind, reason, prev_hash, hash)
     VALUES (?, ?, 'customer', ?, '', '')`,
  );
  sqlite.transaction(() => {
    for (let i = first; i < first + count; i++) {
      const edge = i === 1 || i === EVENTS - 1;
      const type = edge
        ? 'auth.sign_in.succeeded'
        : i % 1000 === 0
          ? 'order.placed'
          : 'auth.signed_out';
      insert.run(T0 + i * 1000, type, `${PHRASES[i % PHRASES.length]} n${i}`);
    }
  })();
}

/** Every page of a search, following the cursor a page gives, up to `pages` of them. */
async function pagesOf(store: Store, filters: AuditFilters, limit: number, pages = 6) {
  const read: { ids: number[]; resumeBelow: number | null }[] = [];
  let before: number | null = null;
  for (let n = 0; n < pages; n++) {
    const page: AuditEventsRead = await store.audit.page({
      filters,
      before,
      limit,
      audience: 'staff',
    });
    const ids = page.events.map((event) => event.id);
    read.push({ ids, resumeBelow: page.resumeBelow });
    before = page.resumeBelow ?? (ids.length === limit ? (ids.at(-1) ?? null) : null);
    if (before === null) break;
  }
  return read;
}

/** A search that cannot be answered now: the 503 every store fault becomes (app.ts). */
const didNotAnswer = expect.objectContaining({
  constructor: AppError,
  code: 'not_ready',
  status: 503,
  retryAfterSeconds: 1,
});

/** Stand-ins for the worker, as `data:` modules: they speak its protocol, or fail to. */
function stubWorker(body: string): URL {
  const source = `import { parentPort, workerData } from 'node:worker_threads';
    const answered = workerData.auditSearch.answered;
    const answer = (m) => { Atomics.store(answered, 0, m.id); parentPort.postMessage({ id: m.id, ids: [] }); };
    ${body}`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

describe('audit search matches found by a worker on its own read-only connection (ADR 035)', () => {
  // One trail for the tests that only read it: writing and indexing it takes seconds.
  let shared: ReturnType<typeof fileDatabase>;
  const sharedCleanups: (() => void)[] = [];
  beforeAll(async () => {
    shared = fileDatabase((cleanup) => sharedCleanups.push(cleanup));
    writeEvents(shared.sqlite, EVENTS);
    await catchUpAuditSearch(shared.db, 5_000);
  }, 120_000);
  afterAll(() => {
    for (const cleanup of sharedCleanups) cleanup();
  });

  const startReader = (file: string, db: Db, options = {}) => {
    const reader = startAuditSearchReader(file, {
      inline: (query, before, size) => matchWindow(db, query, before, size),
      ...options,
    });
    cleanups.push(() => reader.stop());
    return reader;
  };

  it('answers every page exactly as the search on the request thread does', async () => {
    const reader = startReader(shared.file, shared.db);
    const inline = createSqliteStore(shared.db);
    const worked = createSqliteStore(shared.db, { searchReader: reader });
    const cases: [AuditFilters, number][] = [
      // A prefix every fifth event holds, and one two phrases share: several windows a page.
      [{ query: 'passw' }, 500],
      [{ query: 'pass' }, 500],
      // Several words; the last a prefix.
      [{ query: 'sign in sta' }, 200],
      // One event, found by its own number, and the numbers that begin with it.
      [{ query: 'n4242' }, 50],
      // With other filters: a time window, a type one match in a thousand has, and one only
      // the oldest and the newest have: a read stops after SEARCH_STEPS windows, says where
      // (resumeBelow), and the next goes on from there.
      [{ query: 'ticket', from: new Date(T0 + 20_000_000).toISOString() }, 300],
      [{ query: 'order', type: ['order.placed'] }, 100],
      [{ query: 'n', type: ['order.placed'] }, 20],
      [{ query: 'n', type: ['auth.sign_in.succeeded'] }, 20],
      // Nothing matches.
      [{ query: 'zebra' }, 50],
    ];
    for (const [filters, limit] of cases) {
      const expected = await pagesOf(inline, filters, limit);
      expect(await pagesOf(worked, filters, limit), JSON.stringify(filters)).toEqual(expected);
    }
    // The cases covered what they are there for.
    const resumed = await pagesOf(inline, { query: 'n', type: ['auth.sign_in.succeeded'] }, 20);
    expect(resumed.map((page) => page.ids.length)).toEqual([1, 1]);
    expect(resumed[0]?.resumeBelow).not.toBeNull();
    expect((await pagesOf(inline, { query: 'passw' }, 500, 1))[0]?.ids).toHaveLength(500);
  });

  it('runs the statement while the request thread is held, so it runs on another thread', async () => {
    const reader = startReader(shared.file, shared.db);
    const query = ftsQuery('passw', 'last word') ?? '';
    const before = reader.answered();
    // Asked now: with no commit open, `match` posts the request before it returns.
    const answer = reader.match(query, Number.MAX_SAFE_INTEGER, SEARCH_WINDOW);
    // This thread now runs nothing but this loop: no turn of its event loop, no other code.
    // The worker marks each answer in shared memory before it posts it, so the mark can only
    // move if the statement ran on another thread; run here, it would wait for this loop.
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + 15_000;
    while (reader.answered() === before && Date.now() < deadline) Atomics.wait(sleep, 0, 0, 5);
    expect(reader.answered()).not.toBe(before);
    expect(await answer).toEqual(
      matchWindow(shared.db, query, Number.MAX_SAFE_INTEGER, SEARCH_WINDOW),
    );
    expect(await answer).toHaveLength(SEARCH_WINDOW);
  }, 30_000);

  it('opens the database read-only and refuses any write', async () => {
    const worker = new URL('./audit-search-worker.js', import.meta.url);
    // What the worker opens its connection with.
    const { openSearchConnection } = (await import(worker.href)) as {
      openSearchConnection(file: string): Database.Database;
    };
    const db = openSearchConnection(shared.file);
    cleanups.push(() => void db.close());
    expect(db.readonly).toBe(true);
    expect(db.pragma('query_only', { simple: true })).toBe(1);
    expect(() =>
      db.exec(`INSERT INTO audit_events (at, type, actor_kind, prev_hash, hash)
        VALUES (0, 'auth.signed_out', 'customer', '', '')`),
    ).toThrow(/readonly|read-only/i);
    expect(() => db.exec('CREATE TABLE intruder (x)')).toThrow(/readonly|read-only/i);
    // Never makes a database where there was none.
    const missing = path.join(path.dirname(shared.file), 'missing.db');
    expect(() => openSearchConnection(missing)).toThrow();
    expect(existsSync(missing)).toBe(false);
  });

  it('finds what was written in the commit group still open when the search starts', async () => {
    const { db, sqlite, file } = fileDatabase();
    const groups = startCommitGroups(db, sqlite, (error) => {
      throw error;
    });
    cleanups.push(async () => {
      await groups.pending();
    });
    const reader = startReader(file, db, { committed: () => groups.pending() });
    const store = createSqliteStore(db, { searchReader: reader });
    // Whether a group was open each time the worker was asked: it must not be, or the worker
    // could read before the commit (and the index of what the search itself caught up).
    const openWhenAsked: boolean[] = [];
    const post = Worker.prototype.postMessage;
    vi.spyOn(Worker.prototype, 'postMessage').mockImplementation(function (
      this: Worker,
      ...args: Parameters<Worker['postMessage']>
    ) {
      openWhenAsked.push(groups.pending() !== null);
      return post.apply(this, args);
    });
    // Written in this turn: inside the group, not committed until it ends.
    db.transaction((tx) => {
      tx.run(
        sql`INSERT INTO audit_events (at, type, actor_kind, reason, prev_hash, hash)
          VALUES (${T0}, 'auth.signed_out', 'customer', 'freshly written', '', '')`,
      );
    });
    expect(groups.pending()).not.toBeNull();
    // The search indexes it in the same group; the worker reads it once the group commits.
    const page = await store.audit.page({
      filters: { query: 'fresh' },
      before: null,
      limit: 10,
      audience: 'staff',
    });
    expect(page.events).toHaveLength(1);
    expect(openWhenAsked).toEqual([false]);
  });
});

describe('when the audit search worker fails', () => {
  it('fails the search waiting with a 503, then searches on the request thread, said once', async () => {
    const { db, sqlite, dir } = fileDatabase();
    writeEvents(sqlite, 30);
    await catchUpAuditSearch(db);
    const report = vi.fn();
    // A worker that cannot open its database (there is none there): it dies at once.
    const reader = startAuditSearchReader(path.join(dir, 'missing.db'), {
      inline: (query, before, size) => matchWindow(db, query, before, size),
      report,
    });
    cleanups.push(() => reader.stop());
    const query = ftsQuery('passw', 'last word') ?? '';
    await expect(reader.match(query, Number.MAX_SAFE_INTEGER, 100)).rejects.toEqual(didNotAnswer);

    const inline = matchWindow(db, query, Number.MAX_SAFE_INTEGER, 100);
    expect(inline).toHaveLength(6);
    expect(await reader.match(query, Number.MAX_SAFE_INTEGER, 100)).toEqual(inline);
    const store = createSqliteStore(db, { searchReader: reader });
    const { events } = await store.audit.page({
      filters: { query: 'passw' },
      before: null,
      limit: 50,
      audience: 'staff',
    });
    expect(events.map((event) => event.id)).toEqual(inline);
    expect(report).toHaveBeenCalledTimes(1);
    expect(report).toHaveBeenCalledWith(expect.stringContaining('back on the request thread'));
  });

  it('fails the search waiting when the worker exits under it', async () => {
    const { db, sqlite, file } = fileDatabase();
    writeEvents(sqlite, 10);
    await catchUpAuditSearch(db);
    const report = vi.fn();
    const reader = startAuditSearchReader(file, {
      inline: (query, before, size) => matchWindow(db, query, before, size),
      report,
      script: stubWorker(`parentPort.on('message', () => process.exit(3));`),
    });
    cleanups.push(() => reader.stop());
    const query = ftsQuery('ticket', 'last word') ?? '';
    await expect(reader.match(query, Number.MAX_SAFE_INTEGER, 100)).rejects.toEqual(didNotAnswer);
    expect(await reader.match(query, Number.MAX_SAFE_INTEGER, 100)).toHaveLength(2);
    expect(report).toHaveBeenCalledTimes(1);
    expect(report).toHaveBeenCalledWith(expect.stringContaining('exited with 3'));
  });

  /** The reader's clock only: its time running out is then a call, not a wait. */
  function fakeTimeouts() {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    cleanups.push(() => void vi.useRealTimers());
  }

  it('gives up on a worker that stops answering, and searches on the request thread', async () => {
    const { db, sqlite, file } = fileDatabase();
    writeEvents(sqlite, 10);
    await catchUpAuditSearch(db);
    fakeTimeouts();
    const report = vi.fn();
    const reader = startAuditSearchReader(file, {
      inline: (query, before, size) => matchWindow(db, query, before, size),
      report,
      // Takes every request, answers none.
      script: stubWorker(`parentPort.on('message', () => {});`),
    });
    cleanups.push(() => reader.stop());
    const query = ftsQuery('ticket', 'last word') ?? '';
    const first = reader.match(query, Number.MAX_SAFE_INTEGER, 100);
    const second = reader.match(query, Number.MAX_SAFE_INTEGER, 100);
    vi.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    await expect(first).rejects.toEqual(didNotAnswer);
    await expect(second).rejects.toEqual(didNotAnswer);
    expect(await reader.match(query, Number.MAX_SAFE_INTEGER, 100)).toHaveLength(2);
    expect(report).toHaveBeenCalledTimes(1);
    expect(report).toHaveBeenCalledWith(
      expect.stringContaining(`no answer in ${ANSWER_TIMEOUT_MS} ms`),
    );
  });

  it('fails only the search that waited too long behind others, and keeps the worker', async () => {
    const { file } = fileDatabase();
    fakeTimeouts();
    const report = vi.fn();
    const reader = startAuditSearchReader(file, {
      inline: () => {
        throw new Error('searched on the request thread');
      },
      report,
      // Answers the first request once the second has come, and never the second: when the
      // second's time runs out, the worker has answered since it was asked (behind, not stuck).
      script: stubWorker(`const held = [];
        parentPort.on('message', (m) => {
          held.push(m);
          if (held.length === 2) answer(held[0]);
          if (held.length === 3) answer(m);
        });`),
    });
    cleanups.push(() => reader.stop());
    const first = reader.match('a', 10, 10);
    const second = reader.match('b', 10, 10);
    expect(await first).toEqual([]);
    vi.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    await expect(second).rejects.toEqual(didNotAnswer);
    // The worker is still the one that answers.
    expect(await reader.match('c', 10, 10)).toEqual([]);
    expect(report).not.toHaveBeenCalled();
  });
});

describe('after a worker failed', () => {
  /** A clock the reader's retries are timed by, moved by hand. */
  function clock() {
    let at = 0;
    return {
      now: () => at,
      to: (ms: number) => {
        at = ms;
      },
    };
  }
  /** Searches on the request thread say so: their answer is this id, never a real match. */
  const inline = () => [-1];

  it('tries a new worker a minute later, so a passing stall does not keep searches on the request thread', async () => {
    const { dir } = fileDatabase();
    fakeTimeoutsHere();
    const time = clock();
    const report = vi.fn();
    // The first worker takes every request and answers none; the next one answers.
    const stalledOnce = path.join(dir, 'stalled-once');
    const reader = startAuditSearchReader(path.join(dir, 'test.db'), {
      inline,
      report,
      now: time.now,
      script: stubWorker(`import { existsSync, writeFileSync } from 'node:fs';
        const marker = ${JSON.stringify(stalledOnce)};
        const stall = !existsSync(marker);
        writeFileSync(marker, '');
        parentPort.on('message', (m) => { if (!stall) answer(m); });`),
    });
    cleanups.push(() => reader.stop());
    const stalled = reader.match('a', 10, 10);
    // The first worker has started (and so marked itself) before its time runs out.
    while (!existsSync(stalledOnce)) await new Promise((resolve) => setImmediate(resolve));
    vi.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    await expect(stalled).rejects.toEqual(didNotAnswer);
    expect(report).toHaveBeenCalledWith(expect.stringContaining('a new worker in 60 s'));
    time.to(RETRY_AFTER_MS - 1);
    expect(await reader.match('a', 10, 10)).toEqual([-1]);
    time.to(RETRY_AFTER_MS);
    // The worker's answer (none matched), not the request thread's.
    expect(await reader.match('a', 10, 10)).toEqual([]);
    expect(await reader.match('a', 10, 10)).toEqual([]);
    expect(report).toHaveBeenCalledTimes(1);
  });

  it('waits twice as long after each failure in a row, up to an hour', async () => {
    const { file } = fileDatabase();
    const time = clock();
    const report = vi.fn();
    const reader = startAuditSearchReader(file, {
      inline,
      report,
      now: time.now,
      script: stubWorker(`parentPort.on('message', () => process.exit(3));`),
    });
    cleanups.push(() => reader.stop());
    let at = 0;
    let wait = RETRY_AFTER_MS;
    for (let failure = 1; failure <= 8; failure += 1) {
      // A new worker is tried, and dies under the search.
      await expect(reader.match('a', 10, 10)).rejects.toEqual(didNotAnswer);
      expect(report).toHaveBeenCalledTimes(failure);
      expect(report).toHaveBeenLastCalledWith(
        expect.stringContaining(`a new worker in ${wait / 1000} s`),
      );
      time.to(at + wait - 1);
      expect(await reader.match('a', 10, 10)).toEqual([-1]);
      at += wait;
      time.to(at);
      wait = Math.min(wait * 2, MAX_RETRY_AFTER_MS);
    }
    expect(wait).toBe(MAX_RETRY_AFTER_MS);
  });

  /** The reader's answer timeouts only. */
  function fakeTimeoutsHere() {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    cleanups.push(() => void vi.useRealTimers());
  }
});

describe('stopping the audit search worker', () => {
  it('fails the searches waiting at once, and can be done twice', async () => {
    const { db, file } = fileDatabase();
    const report = vi.fn();
    const reader = startAuditSearchReader(file, {
      inline: (query, before, size) => matchWindow(db, query, before, size),
      report,
    });
    const query = ftsQuery('ticket', 'last word') ?? '';
    const waiting = [
      reader.match(query, Number.MAX_SAFE_INTEGER, 100),
      reader.match(query, Number.MAX_SAFE_INTEGER, 100),
    ];
    const stopped = reader.stop();
    for (const search of waiting) await expect(search).rejects.toEqual(didNotAnswer);
    await stopped;
    await reader.stop();
    // Nor does a search after it wait, or reach a connection that may be closed.
    await expect(reader.match(query, Number.MAX_SAFE_INTEGER, 100)).rejects.toEqual(didNotAnswer);
    // Stopping is not a fault.
    expect(report).not.toHaveBeenCalled();
  });
});
