import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import type { StoreFactory } from '../../lib/rate-limit.ts';
import { privateDatabaseFile } from './client.ts';

/** The counters' own file, beside the database: `DATA_DIR/rate-limits.db`. */
export const RATE_LIMITS_FILE = 'rate-limits.db';

/** How many expired counters one statement deletes: a flood's millions go in short steps. */
const DELETE_BATCH = 1000;

/**
 * Opens (or makes) the file rate-limit counters live in on SQLite, so that a flood of failures
 * from many addresses fills a disk, not the server's heap (docs/decisions/016-rate-limits.md).
 * It is not the database: a counter is not a record, so it is not in the audited data, nor in
 * its commit groups, nor synced at every write. WAL with `synchronous = NORMAL` keeps the file
 * whole through a power cut and may lose the last counters, which only forgives a few
 * failures. A file that is not a database (a disk fault) is moved aside and a new one begun:
 * the budgets start over, the server starts.
 */
export function openRateLimitFile(dataDir: string): Database.Database {
  const file = path.join(dataDir, RATE_LIMITS_FILE);
  try {
    return openCounters(file);
  } catch (error) {
    if (!isDamaged(error)) throw error;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, `${file}.damaged${suffix}`);
    }
    return openCounters(file);
  }
}

function openCounters(file: string): Database.Database {
  privateDatabaseFile(file);
  return withCountersTable(new Database(file));
}

/** The counters' table in an open database: the file's, or a test's in memory. */
export function withCountersTable(sqlite: Database.Database): Database.Database {
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.exec(`CREATE TABLE IF NOT EXISTS rate_limits (
      key TEXT PRIMARY KEY,
      points INTEGER NOT NULL DEFAULT 0,
      expire INTEGER
    );
    CREATE INDEX IF NOT EXISTS rate_limits_expire ON rate_limits (expire)`);
    return sqlite;
  } catch (error) {
    sqlite.close();
    throw error;
  }
}

/** Closes the file once the counts of the turn under way are written. */
export function closeRateLimitFile(sqlite: Database.Database): void {
  if (sqlite.inTransaction) sqlite.exec('COMMIT');
  sqlite.close();
}

function isDamaged(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
}

/**
 * Rate-limit counters in that file, through rate-limiter-flexible's own SQLite store: the same
 * budgets and answers as its memory store. The library's hourly clean-up is off: it deletes
 * every expired counter in one statement, which after a flood would hold the event loop;
 * `deleteExpiredRateLimits` does it in steps. `onCommitFailed` hears of a turn's counts that
 * could not be written (a full disk): they are rolled back, and counting goes on.
 */
export function sqliteRateLimitStore(
  sqlite: Database.Database,
  onCommitFailed: (error: unknown) => void = () => {},
): StoreFactory {
  const statements = countersStatements(sqlite, onCommitFailed);
  return (options) =>
    new PreparedRateLimiterSQLite(
      {
        ...options,
        storeClient: sqlite,
        storeType: 'better-sqlite3',
        tableName: 'rate_limits',
        tableCreated: true,
        clearExpiredByTimeout: false,
      },
      statements,
    );
}

/**
 * The library's statements, word for word, each prepared once per file; what changes is how
 * they are committed. `RateLimiterSQLite` prepares each statement at every call and commits
 * each step on its own: about 35 µs a step, two steps for every link or token looked up (its
 * place in the address's budget, taken and given back). Here the steps of one turn of the event
 * loop share a transaction, committed at the end of the turn: under load, many requests' steps
 * to one write of the file. Per link looked up, with ten requests at once: 7 µs in memory,
 * 18–24 µs here, 73 µs as the library commits. Counts of a turn not yet committed are seen
 * by every step, since they all run on this one connection; a crash loses at most that turn's,
 * which forgives a few failures and no more.
 */
function countersStatements(sqlite: Database.Database, onCommitFailed: (error: unknown) => void) {
  const begin = sqlite.prepare('BEGIN');
  const commit = sqlite.prepare('COMMIT');
  let pending = false;
  const endTurn = () => {
    pending = false;
    if (!sqlite.inTransaction) return;
    try {
      commit.run();
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      onCommitFailed(error);
    }
  };
  return {
    /** Runs a write in this turn's transaction, begun by the turn's first write. */
    inTurn<T>(write: () => T): T {
      if (!pending) {
        if (!sqlite.inTransaction) begin.run();
        pending = true;
        setImmediate(endTurn);
      }
      return write();
    },
    add: sqlite.prepare<[string, number, number | null, number, number], CounterRow>(
      `INSERT INTO rate_limits (key, points, expire) VALUES (?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET
         points = CASE WHEN expire IS NULL OR expire > ? THEN points + excluded.points ELSE excluded.points END,
         expire = CASE WHEN expire IS NULL OR expire > ? THEN expire ELSE excluded.expire END
       RETURNING points, expire`,
    ),
    replace: sqlite.prepare<[string, number, number | null], CounterRow>(
      'INSERT OR REPLACE INTO rate_limits (key, points, expire) VALUES (?, ?, ?) RETURNING points, expire',
    ),
    get: sqlite.prepare<[string, number], CounterRow>(
      'SELECT points, expire FROM rate_limits WHERE key = ? AND (expire > ? OR expire IS NULL)',
    ),
    delete: sqlite.prepare<[string]>('DELETE FROM rate_limits WHERE key = ?'),
  };
}

interface CounterRow {
  points: number;
  expire: number | null;
}

class PreparedRateLimiterSQLite extends RateLimiterSQLite {
  constructor(
    options: ConstructorParameters<typeof RateLimiterSQLite>[0],
    private readonly statements: ReturnType<typeof countersStatements>,
  ) {
    super(options);
  }

  async _upsert(
    rlKey: string,
    points: number,
    msDuration: number,
    forceExpire = false,
  ): Promise<CounterRow | undefined> {
    const now = Date.now();
    const expire = msDuration > 0 ? now + msDuration : null;
    return this.statements.inTurn(() =>
      forceExpire
        ? this.statements.replace.get(rlKey, points, expire)
        : this.statements.add.get(rlKey, points, expire, now, now),
    );
  }

  async _get(rlKey: string): Promise<CounterRow | null> {
    return this.statements.get.get(rlKey, Date.now()) ?? null;
  }

  async _delete(rlKey: string): Promise<boolean> {
    return this.statements.inTurn(() => this.statements.delete.run(rlKey).changes > 0);
  }
}

/**
 * Deletes the counters whose window ended before `now`, a batch at a time with a turn of the
 * event loop between batches (the server's housekeeping, once a minute): each batch one
 * statement, inside the turn's transaction when counting has opened one. Returns how many went.
 */
export async function deleteExpiredRateLimits(
  sqlite: Database.Database,
  now: number,
): Promise<number> {
  const batch = sqlite.prepare(
    `DELETE FROM rate_limits WHERE rowid IN (
       SELECT rowid FROM rate_limits WHERE expire < ? LIMIT ${DELETE_BATCH})`,
  );
  let deleted = 0;
  for (;;) {
    const { changes } = batch.run(now);
    deleted += changes;
    if (changes < DELETE_BATCH) return deleted;
    await nextTurn();
  }
}
