import { randomBytes } from 'node:crypto';
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
  await migratePostgres(pool);
  return { dialect, store: createPostgresStore(db, { auditKey }), db, auditKey, url };
}

export const dialects = ['sqlite', 'postgres'] as const;
