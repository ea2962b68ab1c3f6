import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { migratePostgres, openPostgres, type PgDb } from './postgres/client.ts';
import { createPostgresStore } from './postgres/store.ts';
import {
  createLocaleDatabase,
  startTestCluster,
  type TestCluster,
} from './postgres/test-cluster.ts';
import { bindAuditKey } from './sqlite/audit.ts';
import { type Db, migrateDatabase, openDatabase } from './sqlite/client.ts';
import { createSqliteStore } from './sqlite/store.ts';
import type { Store } from './store.ts';

/**
 * Fresh stores of both kinds for the store's own contract tests: the same test runs on an
 * in-memory SQLite database and on a new database of a throwaway PostgreSQL server (one server
 * per test file, one database per store).
 */
export type TestStore =
  | { dialect: 'sqlite'; store: Store; db: Db; auditKey: Buffer }
  | { dialect: 'postgres'; store: Store; db: PgDb; auditKey: Buffer; url: string };

let cluster: Promise<TestCluster> | undefined;
const pools: { end(): Promise<void> }[] = [];
let databases = 0;

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  if (cluster) (await cluster).stop();
});

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
  cluster ??= startTestCluster();
  const server = await cluster;
  const name = `store_${process.pid}_${++databases}`;
  await createLocaleDatabase(server, name);
  const { db, pool } = openPostgres(server.urlFor(name));
  pools.push(pool);
  await migratePostgres(pool);
  const url = server.urlFor(name);
  return { dialect, store: createPostgresStore(db, { auditKey }), db, auditKey, url };
}

export const dialects = ['sqlite', 'postgres'] as const;
