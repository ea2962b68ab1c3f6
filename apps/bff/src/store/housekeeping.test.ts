import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionPolicy } from '../domain/sessions.ts';
import { loadEnv } from '../env.ts';
import type { RepeatableEntry } from '../lib/audit-repeat-rows.ts';
import { silentLogger } from '../lib/logger.ts';
import { createLimiters } from '../lib/rate-limit.ts';
import type { BootedStore } from './boot.ts';
import { startHousekeeping } from './housekeeping.ts';
import { bootPostgres } from './postgres/boot.ts';
import { openPostgres } from './postgres/client.ts';
import { deleteExpiredRateLimits } from './postgres/rate-limits.ts';
import { deleteDeadSessions } from './postgres/sessions.ts';
import { holdRow, lockWaiters } from './postgres/test-locks.ts';
import { bootSqlite } from './sqlite/boot.ts';
import { RATE_LIMITS_FILE } from './sqlite/rate-limits.ts';
import { freshStore } from './test-stores.ts';

const MINUTE = 60_000;
const meta = { ip: '203.0.113.7', userAgent: 'test', requestId: 'r-1' };
const read = (at: number): RepeatableEntry => ({
  type: 'outbox.read',
  at,
  actor: { userId: null, kind: 'anonymous' },
  details: { to: null },
});

/** A booted store of each kind, and plain SQL on its database to see what housekeeping did. */
async function booted(dialect: 'sqlite' | 'postgres') {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-housekeeping-'));
  const hooks = { logger: silentLogger, onFatal: () => {}, onCommitGroup: () => {} };
  if (dialect === 'sqlite') {
    const store = await bootSqlite(loadEnv({ NODE_ENV: 'test', DATA_DIR: dataDir }), hooks);
    const file = new Database(path.join(dataDir, 'onbehalf.db'), { readonly: true });
    // What a group commit holds is seen once it is committed.
    const count = async (sql: string) => {
      await store.commitGroups?.pending();
      return (file.prepare(sql).get() as { n: number }).n;
    };
    // Rows a test plants, on a connection of its own (`$1` placeholders, as on PostgreSQL).
    const writer = new Database(path.join(dataDir, 'onbehalf.db'));
    const write = async (sql: string, params: unknown[]) => {
      const named = Object.fromEntries(params.map((value, i) => [`p${i + 1}`, value]));
      writer.prepare(sql.replace(/\$(\d+)/g, '@p$1')).run(named);
    };
    return {
      store,
      count,
      write,
      dataDir,
      close: () => {
        file.close();
        writer.close();
      },
    };
  }
  const { url } = await freshStore('postgres');
  const env = loadEnv({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: url,
    ONBEHALF_SECRET: randomBytes(32).toString('base64url'),
  });
  const store = await bootPostgres(env, url);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const count = async (sql: string) => Number((await pool.query(sql)).rows[0]?.n);
  const write = async (sql: string, params: unknown[]) => {
    await pool.query(sql, params);
  };
  return { store, count, write, pool, dataDir, close: () => pool.end() };
}

const repeated = "SELECT count(*) AS n FROM audit_events WHERE type = 'audit.repeated'";
const counters = 'SELECT count(*) AS n FROM audit_repeats';

describe.each(['sqlite', 'postgres'] as const)('the housekeeping of a store on %s', (dialect) => {
  it('summarises the repeats of the minute that ended, without waiting for the next repeat', async () => {
    const { store, count, close } = await booted(dialect);
    try {
      const now = Math.floor(Date.now() / MINUTE) * MINUTE;
      for (let i = 0; i < 3; i++)
        await store.store.outbox.recordRead({ audit: read(now + i), meta });
      expect(await count(counters)).toBeGreaterThan(0);
      // Within its minute, nothing is summarised yet; once it ended, it is.
      await store.housekeeping(now + 1000);
      expect(await count(repeated)).toBe(0);
      await store.housekeeping(now + MINUTE);
      expect(await count(repeated)).toBe(1);
      expect(await count(counters)).toBe(0);
    } finally {
      await store.close();
      await close();
    }
  });

  it('deletes the sessions long past their expiry, revoked or not, in batches; the others stay', async () => {
    const { store, count, close, write } = await booted(dialect);
    try {
      const now = Date.now();
      const kept = sessionPolicy.keptAfterExpiryMs;
      // 2,500 dead a month and a day ago (some revoked), and the living and the recently dead.
      await write(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
         INSERT INTO sessions (id, token_hash, method, created_at, expires_at, last_seen_at, revoked_at)
         SELECT 'dead-' || i, 'hash-dead-' || i, 'password', CAST($1 AS bigint),
                CAST($1 AS bigint), CAST($1 AS bigint),
                CASE WHEN i % 2 = 0 THEN CAST($1 AS bigint) ELSE NULL END
         FROM n
         UNION ALL SELECT 'recent-' || i, 'hash-recent-' || i, 'password', CAST($2 AS bigint),
                CAST($2 AS bigint), CAST($2 AS bigint), NULL
         FROM n WHERE i <= 3`,
        [now - kept - 86_400_000, now - kept + 60_000],
      );
      const sessions = (like: string) =>
        count(`SELECT count(*) AS n FROM sessions WHERE id LIKE '${like}'`);
      await store.housekeeping(now);
      expect(await sessions('dead-%')).toBe(0);
      expect(await sessions('recent-%')).toBe(3);
      // The demo's own sessions, if any, and everything live are untouched.
      expect(await sessions('%')).toBeGreaterThanOrEqual(3);
    } finally {
      await store.close();
      await close();
    }
  });

  it('settles the impersonations whose end has passed (features/impersonation/overdue.test.ts)', async () => {
    const { store, close } = await booted(dialect);
    try {
      const overdue = vi.spyOn(store.store.impersonation, 'overdue');
      const settle = vi.spyOn(store.store.auth, 'settleImpersonation');
      const now = Date.now();
      await store.housekeeping(now);
      expect(overdue).toHaveBeenCalledWith(now, undefined, expect.any(Number));
      // None is overdue on a fresh database: nothing to settle.
      expect(settle).not.toHaveBeenCalled();
    } finally {
      await store.close();
      await close();
    }
  });
});

describe('the housekeeping of several PostgreSQL processes at once', () => {
  it('passes over the dead sessions and expired counters another holds, without waiting for it', async () => {
    const { store, pool, write, close } = await booted('postgres');
    const url = String(pool?.options.connectionString);
    const own = openPostgres(url, { max: 2 });
    const now = Date.now();
    const dead = now - sessionPolicy.keptAfterExpiryMs - 86_400_000;
    for (const id of ['dead-held', 'dead-1', 'dead-2']) {
      await write(
        `INSERT INTO sessions (id, token_hash, method, created_at, expires_at, last_seen_at)
         VALUES ($1, $2, 'password', $3, $3, $3)`,
        [id, `hash-${id}`, dead],
      );
    }
    for (const key of ['gone:held', 'gone:1', 'gone:2']) {
      await write('INSERT INTO rate_limits (key, points, expire) VALUES ($1, 1, $2)', [
        key,
        now - 1,
      ]);
    }
    // Another process is half-way through deleting one of each.
    const releases = [
      await holdRow(url, "SELECT 1 FROM sessions WHERE id = 'dead-held' FOR UPDATE"),
      await holdRow(url, "SELECT 1 FROM rate_limits WHERE key = 'gone:held' FOR UPDATE"),
    ];
    const watcher = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const waited = lockWaiters(watcher, 1).then(() => 'waited for the held row' as const);
      expect(await Promise.race([deleteDeadSessions(own.db, now), waited])).toBe(2);
      expect(await Promise.race([deleteExpiredRateLimits(own.pool, now), waited])).toBe(2);
    } finally {
      for (const release of releases) await release();
      await watcher.end();
      await own.pool.end();
      await store.close();
      await close();
    }
  });
});

describe('rate-limit counters', () => {
  it('in PostgreSQL: the expired ones are deleted in batches by the housekeeping; the live ones stay', async () => {
    const { store, count, pool, close } = await booted('postgres');
    try {
      const now = Date.now();
      await pool?.query(
        `INSERT INTO rate_limits (key, points, expire)
         SELECT 'gone:' || i, 1, $1::bigint FROM generate_series(1, 2500) AS i
         UNION ALL SELECT 'live:' || i, 1, $2::bigint FROM generate_series(1, 3) AS i`,
        [now - 1, now + 60 * MINUTE],
      );
      await (store as BootedStore).housekeeping(now);
      expect(await count("SELECT count(*) AS n FROM rate_limits WHERE key LIKE 'gone:%'")).toBe(0);
      expect(await count("SELECT count(*) AS n FROM rate_limits WHERE key LIKE 'live:%'")).toBe(3);
      if (pool) expect(await deleteExpiredRateLimits(pool, now)).toBe(0);
    } finally {
      await store.close();
      await close();
    }
  });

  it('on SQLite: the server counts in DATA_DIR/rate-limits.db, and the housekeeping deletes the expired ones', async () => {
    const { store, dataDir, close } = await booted('sqlite');
    const file = new Database(path.join(dataDir, RATE_LIMITS_FILE));
    const count = (like: string) =>
      (
        file.prepare('SELECT count(*) AS n FROM rate_limits WHERE key LIKE ?').get(like) as {
          n: number;
        }
      ).n;
    try {
      if (!store.limiterStore) throw new Error('the SQLite store gives the server no counters');
      const limiters = createLimiters({ enabled: true, store: store.limiterStore });
      await limiters.checkingPassword(
        'jane@acme.test',
        '203.0.113.7',
        async () => 0,
        () => true,
      );
      // Written at the end of the turn (store/sqlite/rate-limits.ts).
      await nextTurn();
      expect(count('%jane@acme.test%')).toBeGreaterThan(0);

      const now = Date.now();
      const insert = file.prepare('INSERT INTO rate_limits (key, points, expire) VALUES (?, 1, ?)');
      for (let i = 0; i < 1200; i++) insert.run(`gone:${i}`, now - 1);
      await store.housekeeping(now);
      expect(count('gone:%')).toBe(0);
      expect(count('%jane@acme.test%')).toBeGreaterThan(0);
    } finally {
      file.close();
      await store.close();
      await close();
    }
  });
});

describe('the server’s housekeeping timer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs once a minute, one run at a time; a failed run is logged and the next one comes', async () => {
    vi.useFakeTimers();
    const runs: number[] = [];
    const warnings: string[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void warnings.push(JSON.parse(line).msg) },
    );
    let fail = true;
    const timer = startHousekeeping(
      async (now) => {
        runs.push(now);
        if (fail) {
          fail = false;
          throw new Error('database unreachable');
        }
      },
      { now: () => 42, logger },
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(runs).toEqual([42]);
    expect(warnings).toEqual(['Housekeeping failed; it runs again in a minute.']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toEqual([42, 42]);
    timer.stop();
    await vi.advanceTimersByTimeAsync(180_000);
    expect(runs).toHaveLength(2);
  });
});
