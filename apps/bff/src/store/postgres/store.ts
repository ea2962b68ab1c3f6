import type { Store } from '../store.ts';
import type { PgDb } from './client.ts';
import { postgresSettings } from './settings.ts';

/** The PostgreSQL adapter: each command one transaction on the pool. */
export function createPostgresStore(db: PgDb, options: { auditKey: Buffer }): Store {
  return {
    dialect: 'postgres',
    settings: postgresSettings(db, options.auditKey),
  };
}
