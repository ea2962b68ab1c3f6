import type pg from 'pg';
import { afterAll, inject } from 'vitest';
import { openPostgres, type PgDb } from '../store/postgres/client.ts';

/**
 * The PostgreSQL side of the harness (ONBEHALF_TEST_DB=postgres): one server for the whole run
 * and a template database migrated and seeded once (test/postgres-setup.ts); every app gets a
 * copy of it, so a test starts from the same demo as on SQLite in a few milliseconds.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { url: string; urlFor: string; template: string } | null;
  }
}

/** The database the harness builds apps on: SQLite in memory unless asked for PostgreSQL. */
export const harnessDialect: 'sqlite' | 'postgres' =
  process.env.ONBEHALF_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

const pools: { end(): Promise<void> }[] = [];
let admin: ReturnType<typeof openPostgres> | undefined;
let copies = 0;

afterAll(async () => {
  await Promise.all([...pools.splice(0), admin?.pool].map((pool) => pool?.end()));
  admin = undefined;
});

/** A new database holding the migrated demo, with a pool of its own (ended after the file). */
export async function freshPostgresDatabase(): Promise<{ db: PgDb; pool: pg.Pool; url: string }> {
  const postgres = inject('postgres');
  if (!postgres) throw new Error('ONBEHALF_TEST_DB=postgres needs test/postgres-setup.ts');
  admin ??= openPostgres(postgres.url, { max: 1 });
  const name = `app_${process.pid}_${++copies}`;
  await admin.pool.query(`CREATE DATABASE ${name} TEMPLATE ${postgres.template}`);
  const url = postgres.urlFor.replace('{database}', name);
  const { db, pool } = openPostgres(url, { max: 4 });
  pools.push(pool);
  return { db, pool, url };
}
