import type { PgDb } from './client.ts';

/** What every PostgreSQL adapter is built from: the pool's database and the chain's key. */
export interface PostgresContext {
  db: PgDb;
  auditKey: Buffer;
}
