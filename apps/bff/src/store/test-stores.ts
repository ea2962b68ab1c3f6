import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import { inject } from 'vitest';
import { afterThisFile } from '../test/file-cleanup.ts';
import { migratePostgres, openPostgres, type PgDb } from './postgres/client.ts';
import { createPostgresStore } from './postgres/store.ts';
import { createLocaleDatabase } from './postgres/test-cluster.ts';
import { bindAuditKey } from './sqlite/audit.ts';
import { type Db, migrateDatabase, openDatabase } from './sqlite/client.ts';
import { createSqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/**
 * Fresh stores of both kinds for the store's own contract tests: the same test runs on an
 * in-memory SQLite database and on a new database of the run's throwaway PostgreSQL server
 * (test/postgres-setup.ts), one database per store.
 */
export type TestStore =
  | { dialect: 'sqlite'; store: Store; db: Db; auditKey: Buffer }
  | { dialect: 'postgres'; store: Store; db: PgDb; auditKey: Buffer; url: string };

export async function freshStore(
  dialect: 'sqlite',
): Promise<Extract<TestStore, { dialect: 'sqlite' }>>;
export async function freshStore(
  dialect: 'postgres',
): Promise<Extract<TestStore, { dialect: 'postgres' }>>;
export async function freshStore(dialect: 'sqlite' | 'postgres'): Promise<TestStore>;
export async function freshStore(dialect: 'sqlite' | 'postgres'): Promise<TestStore> {
  const auditKey = randomBytes(32);
  if (dialect === 'sqlite') {
    const { db } = openDatabase(':memory:');
    bindAuditKey(db, auditKey);
    migrateDatabase(db);
    return { dialect, store: createSqliteStore(db), db, auditKey };
  }
  const { db, pool, url } = await freshPostgres();
  await migratePostgres(pool);
  return { dialect, store: createPostgresStore(db, { auditKey }), db, auditKey, url };
}

/** A new, empty database of the run's PostgreSQL server (test/postgres-setup.ts). */
async function freshPostgres(): Promise<{ db: PgDb; pool: pg.Pool; url: string }> {
  const server = inject('postgres');
  if (!server) throw new Error('PostgreSQL stores need test/postgres-setup.ts');
  // Unique whatever module instance counts: a test file may import its own (vi.resetModules).
  const name = `store_${process.pid}_${randomBytes(6).toString('hex')}`;
  await createLocaleDatabase(server.url, name);
  const url = server.urlFor.replace('{database}', name);
  // A test file makes many stores, each kept until the file ends; their connections go once
  // idle, so that files running side by side stay within the test server's connections.
  const { db, pool } = openPostgres(url, { idleMs: 500 });
  afterThisFile(() => pool.end());
  return { db, pool, url };
}

/**
 * A new PostgreSQL database migrated up to, not including, the migration tagged `before`: for a
 * test of what that migration does to the rows it finds. `migratePostgres` on its pool applies
 * the rest.
 */
export async function postgresMigratedBefore(
  before: string,
): Promise<{ db: PgDb; pool: pg.Pool; url: string }> {
  const opened = await freshPostgres();
  const source = fileURLToPath(new URL('./postgres/migrations', import.meta.url));
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-pg-migrations-'));
  afterThisFile(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(source, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((entry) => entry.tag === before);
  if (at < 1) throw new Error(`no migration before ${before}`);
  writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  await migrate(opened.db, { migrationsFolder: dir });
  return opened;
}

export const dialects = ['sqlite', 'postgres'] as const;
