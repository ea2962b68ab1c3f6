import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLimiters } from '../../lib/rate-limit.ts';
import {
  closeRateLimitFile,
  deleteExpiredRateLimits,
  openRateLimitFile,
  RATE_LIMITS_FILE,
  sqliteRateLimitStore,
} from './rate-limits.ts';

/**
 * On SQLite the rate-limit counters live in a file beside the database, not in the heap
 * (docs/decisions/016-rate-limits.md): a flood of failures from many addresses fills a disk.
 * The rules themselves run on this store in the app suites (test/harness.ts).
 */

const dirs: string[] = [];
const open: Database.Database[] = [];
afterEach(() => {
  for (const sqlite of open.splice(0)) if (sqlite.open) sqlite.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-limits-'));
  dirs.push(dir);
  return dir;
}

function counters(dir: string) {
  const sqlite = openRateLimitFile(dir);
  open.push(sqlite);
  return sqlite;
}

const limitersOn = (sqlite: Database.Database) =>
  createLimiters({ enabled: true, store: sqliteRateLimitStore(sqlite) });

/** A password check that failed, as the budgets count it. */
const wrong = async () => 'wrong';
const failed = () => true;
const rows = (sqlite: Database.Database, where = '1') =>
  (sqlite.prepare(`SELECT count(*) AS n FROM rate_limits WHERE ${where}`).get() as { n: number }).n;

describe('rate-limit counters in a file on SQLite', () => {
  it('are kept in the file: limiters opened on it again, as after a restart, find the failures', async () => {
    const dir = dataDir();
    const first = counters(dir);
    const limiters = limitersOn(first);
    for (let i = 0; i < 100; i++) {
      await limiters.checkingPassword('jane@acme.test', `203.0.113.${i}`, wrong, failed);
    }
    // The account's counter and each address's and pair's: on disk, none in memory.
    expect(rows(first)).toBeGreaterThanOrEqual(201);
    closeRateLimitFile(first);

    const again = limitersOn(counters(dir));
    await expect(
      again.checkingPassword('jane@acme.test', '198.51.100.7', wrong, failed),
    ).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(
      again.checkingPassword('omar@acme.test', '198.51.100.7', wrong, failed),
    ).resolves.toBeDefined();
  });

  it('checks sent at once take no more than the budget between them', async () => {
    const limiters = limitersOn(counters(dataDir()));
    const outcomes = await Promise.all(
      Array.from({ length: 160 }, (_, i) =>
        limiters.checkingPassword('jane@acme.test', `203.0.113.${i}`, wrong, failed).then(
          () => 'checked',
          (error: { code?: string }) => error.code,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'checked')).toHaveLength(100);
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(60);
  });

  it('the steps of one turn of the event loop are written together, at its end', async () => {
    const dir = dataDir();
    const budget = sqliteRateLimitStore(counters(dir))({
      keyPrefix: 't',
      points: 10,
      duration: 60,
    });
    const reader = new Database(path.join(dir, RATE_LIMITS_FILE), { readonly: true });
    open.push(reader);
    const seen = () => rows(reader);

    await budget.penalty('jane', 1);
    await budget.penalty('omar', 1);
    expect((await budget.get('jane'))?.consumedPoints).toBe(1);
    // Seen by the steps of this process at once, by the file at the end of the turn.
    expect(seen()).toBe(0);
    await nextTurn();
    expect(seen()).toBe(2);
  });

  it('a turn whose counts cannot be written is rolled back and reported, and counting goes on', async () => {
    const sqlite = counters(dataDir());
    const failures: unknown[] = [];
    const budget = sqliteRateLimitStore(sqlite, (error) => failures.push(error))({
      keyPrefix: 't',
      points: 10,
      duration: 60,
    });
    // A commit that fails as a full disk's would: a constraint checked only at COMMIT.
    sqlite.pragma('foreign_keys = ON');
    sqlite.exec(`CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);

    await budget.penalty('jane', 1);
    sqlite.prepare('INSERT INTO child VALUES (42)').run();
    await nextTurn();
    expect(failures).toEqual([expect.objectContaining({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' })]);
    expect(sqlite.inTransaction).toBe(false);
    expect(rows(sqlite)).toBe(0);

    await budget.penalty('jane', 1);
    await nextTurn();
    expect(rows(sqlite)).toBe(1);
    expect((await budget.get('jane'))?.consumedPoints).toBe(1);
    expect(failures).toHaveLength(1);
  });

  it('the expired ones are deleted in batches, with turns of the event loop between them', async () => {
    const sqlite = counters(dataDir());
    const now = Date.now();
    const insert = sqlite.prepare('INSERT INTO rate_limits (key, points, expire) VALUES (?, 1, ?)');
    sqlite.transaction(() => {
      for (let i = 0; i < 2500; i++) insert.run(`gone:${i}`, now - 1);
      for (let i = 0; i < 3; i++) insert.run(`live:${i}`, now + 3_600_000);
    })();

    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    expect(await deleteExpiredRateLimits(sqlite, now)).toBe(2500);
    // Three batches: requests waiting meanwhile were answered between them.
    expect(turned).toBe(true);
    expect(rows(sqlite, "key LIKE 'gone:%'")).toBe(0);
    expect(rows(sqlite, "key LIKE 'live:%'")).toBe(3);
    expect(await deleteExpiredRateLimits(sqlite, now)).toBe(0);
  });

  it('are readable by the server only, and tightened when left readable by others', async () => {
    const dir = dataDir();
    const file = path.join(dir, RATE_LIMITS_FILE);
    const sqlite = counters(dir);
    await sqliteRateLimitStore(sqlite)({ points: 1, duration: 60 }).penalty('jane', 1);
    await nextTurn();
    const modeOf = (f: string) => (statSync(f).mode & 0o777).toString(8);
    expect(modeOf(file)).toBe('600');
    expect(modeOf(`${file}-wal`)).toBe('600');
    closeRateLimitFile(sqlite);

    chmodSync(file, 0o644);
    counters(dir);
    expect(modeOf(file)).toBe('600');
  });

  it('a damaged file is moved aside and the counting starts over: the server still starts', async () => {
    const dir = dataDir();
    const file = path.join(dir, RATE_LIMITS_FILE);
    const junk = 'this is not an SQLite database, and never was one'.repeat(100);
    writeFileSync(file, junk, { mode: 0o600 });

    const sqlite = counters(dir);
    expect(readFileSync(`${file}.damaged`, 'utf8')).toBe(junk);
    expect(rows(sqlite)).toBe(0);
    await expect(
      limitersOn(sqlite).checkingPassword('jane@acme.test', '203.0.113.1', wrong, failed),
    ).resolves.toBe('wrong');
    expect(rows(sqlite)).toBeGreaterThan(0);
  });
});
