import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openPostgres } from './postgres/client.ts';
import { createPostgresStore } from './postgres/store.ts';
import { migrateDatabase, openDatabase } from './sqlite/client.ts';
import { createSqliteStore } from './sqlite/store.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

/** Runs one statement on the store's own database, whichever it is. */
async function exec(ts: TestStore, statement: string): Promise<void> {
  if (ts.dialect === 'sqlite') ts.db.run(sql.raw(statement));
  else await ts.db.execute(sql.raw(statement));
}

/** Where each database records the migrations applied to it (drizzle's own table). */
const journal = { sqlite: '__drizzle_migrations', postgres: 'drizzle.__drizzle_migrations' };

describe.each(dialects)('health on %s', (dialect) => {
  it('is ready once every bundled migration is applied', async () => {
    const ts = await freshStore(dialect);
    expect(await ts.store.health.ready()).toEqual({ unapplied: 0, unknown: 0 });
  });

  it('counts the bundled migrations the database has not applied', async () => {
    const ts = await freshStore(dialect);
    const table = journal[dialect];
    await exec(
      ts,
      `DELETE FROM ${table} WHERE created_at = (SELECT max(created_at) FROM ${table})`,
    );
    expect(await ts.store.health.ready()).toEqual({ unapplied: 1, unknown: 0 });
    await exec(ts, `DELETE FROM ${table}`);
    const { unapplied } = await ts.store.health.ready();
    expect(unapplied).toBeGreaterThan(1);
  });

  it('counts the migrations a newer version applied, which this one does not know, and stays ready', async () => {
    const ts = await freshStore(dialect);
    await exec(
      ts,
      `INSERT INTO ${journal[dialect]} (hash, created_at) VALUES ('a-newer-version', 4102444800000)`,
    );
    expect(await ts.store.health.ready()).toEqual({ unapplied: 0, unknown: 1 });
  });

  it('rejects on a database that has no record of migrations', async () => {
    const ts = await freshStore(dialect);
    await exec(ts, `DROP TABLE ${journal[dialect]}`);
    await expect(ts.store.health.ready()).rejects.toThrow();
  });
});

describe('health when the database does not answer', () => {
  it('rejects on SQLite once the connection is closed', async () => {
    const { db, sqlite } = openDatabase(':memory:');
    migrateDatabase(db);
    const store = createSqliteStore(db);
    expect(await store.health.ready()).toEqual({ unapplied: 0, unknown: 0 });
    sqlite.close();
    await expect(store.health.ready()).rejects.toThrow();
  });

  it('rejects on PostgreSQL when no server listens', async () => {
    const { db, pool } = openPostgres('postgres://onbehalf@127.0.0.1:1/onbehalf', { max: 1 });
    try {
      const store = createPostgresStore(db, { auditKey: Buffer.alloc(32) });
      await expect(store.health.ready()).rejects.toThrow();
    } finally {
      await pool.end();
    }
  });
});
