import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.ts';
import { openDatabase } from './client.ts';
import { groupMemo, startCommitGroups } from './commit-groups.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  vi.restoreAllMocks();
});

/** A file database with commit groups, and a second connection that sees only commits. */
function groupedDatabase() {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-groups-'));
  const file = path.join(dir, 'test.db');
  const { db, sqlite } = openDatabase(file);
  sqlite.exec(`CREATE TABLE parents (id INTEGER PRIMARY KEY);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL,
      parent_id INTEGER REFERENCES parents(id));`);
  const failures: unknown[] = [];
  const sizes: number[] = [];
  const groups = startCommitGroups(
    db,
    sqlite,
    (error) => failures.push(error),
    (transactions) => sizes.push(transactions),
  );
  const other = new Database(file, { readonly: true });
  cleanups.push(() => {
    other.close();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const insert = (body: string, parentId: number | null = null) =>
    db.run(sql`INSERT INTO notes (body, parent_id) VALUES (${body}, ${parentId})`);
  const committed = () =>
    (other.prepare('SELECT body FROM notes ORDER BY id').pluck().all() as string[]).join(',');
  return { db, sqlite, groups, failures, sizes, insert, committed };
}

describe('group commit', () => {
  it('commits the transactions of one turn of the event loop together, once', async () => {
    const { db, sqlite, groups, insert, committed } = groupedDatabase();
    const exec = vi.spyOn(sqlite, 'exec');
    db.transaction(() => insert('a'));
    db.transaction(() => insert('b'));
    db.transaction(() => insert('c'));
    // Written, not yet committed: another connection cannot see any of it.
    expect(committed()).toBe('');
    await groups.pending();
    expect(committed()).toBe('a,b,c');
    expect(exec.mock.calls.filter(([statement]) => statement === 'COMMIT')).toHaveLength(1);
    expect(groups.pending()).toBeNull();
  });

  it('stays open for the next turn of the event loop, so the requests read meanwhile join it', async () => {
    const { db, sqlite, groups, sizes, insert, committed } = groupedDatabase();
    const exec = vi.spyOn(sqlite, 'exec');
    db.transaction(() => insert('first turn'));
    const group = groups.pending();
    // The next turn: I/O that arrived while the first ran, then its immediates.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(committed()).toBe('');
    expect(groups.pending()).toBe(group);
    db.transaction(() => insert('next turn'));
    await groups.pending();
    expect(committed()).toBe('first turn,next turn');
    expect(exec.mock.calls.filter(([statement]) => statement === 'COMMIT')).toHaveLength(1);
    expect(sizes).toEqual([2]);
    // It does not wait longer: a transaction two turns later starts a group of its own.
    db.transaction(() => insert('later'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(committed()).toBe('first turn,next turn,later');
    expect(sizes).toEqual([2, 1]);
  });

  it('tells how many transactions each committed group held (for /metrics)', async () => {
    const { db, groups, sizes, insert } = groupedDatabase();
    db.transaction(() => insert('a'));
    db.transaction(() => insert('b'));
    expect(() =>
      db.transaction(() => {
        throw new Error('refused, still held by the group');
      }),
    ).toThrow();
    await groups.pending();
    db.transaction(() => insert('c'));
    await groups.pending();
    expect(sizes).toEqual([3, 1]);
  });

  it('rolls back only the transaction that threw; the rest of its group commits', async () => {
    const { db, groups, insert, committed } = groupedDatabase();
    db.transaction(() => insert('kept'));
    expect(() =>
      db.transaction(() => {
        insert('undone');
        throw new Error('a rule refused');
      }),
    ).toThrow('a rule refused');
    db.transaction(() => insert('also kept'));
    await groups.pending();
    expect(committed()).toBe('kept,also kept');
  });

  it('a transaction inside a transaction rolls back alone, as better-sqlite3 nests them', async () => {
    const { db, groups, insert, committed } = groupedDatabase();
    db.transaction(() => {
      insert('outer');
      expect(() =>
        db.transaction(() => {
          insert('inner');
          throw new Error('inner refused');
        }),
      ).toThrow('inner refused');
      insert('outer again');
    });
    await groups.pending();
    expect(committed()).toBe('outer,outer again');
  });

  it('refuses a transaction function that returns a promise, and keeps nothing it wrote', async () => {
    const { db, groups, insert, committed } = groupedDatabase();
    expect(() =>
      db.transaction(async () => {
        insert('too late');
      }),
    ).toThrow(/cannot return a promise/);
    db.transaction(() => insert('sync'));
    await groups.pending();
    expect(committed()).toBe('sync');
  });

  it('keeps a memo for the open group only, emptied when any of its transactions rolls back', async () => {
    const { db, groups, insert } = groupedDatabase();
    expect(groupMemo(db)).toBeNull();
    db.transaction((tx) => {
      insert('a');
      groupMemo(tx)?.set('last', 'a');
    });
    expect(groupMemo(db)?.get('last')).toBe('a');
    expect(() =>
      db.transaction((tx) => {
        groupMemo(tx)?.set('last', 'b');
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(groupMemo(db)?.size).toBe(0);
    db.transaction(() => groupMemo(db)?.set('last', 'c'));
    await groups.pending();
    expect(groupMemo(db)).toBeNull();
  });

  it('passes one drizzle handle that reads what the transaction wrote', async () => {
    const { db, groups } = groupedDatabase();
    const seen = db.transaction((tx) => {
      tx.run(sql`INSERT INTO notes (body) VALUES ('visible')`);
      return tx.get<{ body: string }>(sql`SELECT body FROM notes`)?.body;
    });
    expect(seen).toBe('visible');
    await groups.pending();
  });

  it('a failed commit rolls the whole group back, rejects its waiters and is reported', async () => {
    const { db, sqlite, groups, failures, insert, committed } = groupedDatabase();
    db.transaction(() => insert('innocent'));
    // A foreign key checked only at commit: the one way to make COMMIT itself fail on demand.
    sqlite.pragma('defer_foreign_keys = ON');
    db.transaction(() => insert('orphan', 42));
    await expect(groups.pending()).rejects.toThrow(/FOREIGN KEY/);
    expect(committed()).toBe('');
    expect(sqlite.inTransaction).toBe(false);
    expect(failures).toHaveLength(1);
    // The next group works.
    db.transaction(() => insert('after'));
    await groups.pending();
    expect(committed()).toBe('after');
  });

  it('answers a write request only once its commit is done', async () => {
    const t = await createTestApp({ rateLimits: false });
    const pending = vi.spyOn(commitGroupsOf(t), 'pending');
    const buyer = await t.signIn('buyer@acme.test');
    const before = t.sqlite.prepare('SELECT count(*) FROM orders').pluck().get() as number;
    // Placed means answered 201, the route's only success in the table the client holds it to.
    await t.client(buyer.token).orders.place({ sku: 'PAPER-A4', quantity: 1 });
    expect(t.sqlite.inTransaction).toBe(false);
    expect(t.sqlite.prepare('SELECT count(*) FROM orders').pluck().get()).toBe(before + 1);
    expect(pending).toHaveBeenCalled();
  });

  it('an answer whose commit failed is a 500, never the success it would have been', async () => {
    const t = await createTestApp({ rateLimits: false });
    const buyer = await t.signIn('buyer@acme.test');
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(commitGroupsOf(t), 'pending').mockReturnValue(
      Promise.reject(new Error('disk I/O error')),
    );
    await expect(
      t.client(buyer.token).orders.place({ sku: 'PAPER-A4', quantity: 1 }),
    ).rejects.toMatchObject({ status: 500, code: 'internal_error' });
  });
});

/** The app's commit groups: a test app on SQLite always has them. */
function commitGroupsOf(t: TestApp) {
  if (!t.deps.commitGroups) throw new Error('The test app runs without commit groups.');
  return t.deps.commitGroups;
}
