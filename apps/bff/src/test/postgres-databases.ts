import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inject } from 'vitest';
import { openPostgres, type PgDb } from '../store/postgres/client.ts';
import { afterThisFile } from './file-cleanup.ts';

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

let admin: ReturnType<typeof openPostgres> | undefined;

/** A new database holding the migrated demo, with a pool of its own (ended after the file). */
export async function freshPostgresDatabase(): Promise<{ db: PgDb; pool: pg.Pool; url: string }> {
  const postgres = inject('postgres');
  if (!postgres) throw new Error('ONBEHALF_TEST_DB=postgres needs test/postgres-setup.ts');
  if (!admin) {
    const opened = openPostgres(postgres.url, { max: 1 });
    admin = opened;
    afterThisFile(async () => {
      admin = undefined;
      await opened.pool.end();
    });
  }
  // Unique whatever module instance counts: a test file may import its own (vi.resetModules).
  const name = `app_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin.pool.query(`CREATE DATABASE ${name} TEMPLATE ${postgres.template}`);
  const url = postgres.urlFor.replace('{database}', name);
  // Kept until the file ends, as every test's app is; its connections go once idle, so that
  // files running side by side stay within the test server's connections.
  const { db, pool } = openPostgres(url, { max: 4, idleMs: 500 });
  afterThisFile(() => pool.end());
  return { db, pool, url };
}
