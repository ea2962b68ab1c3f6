import type { Store } from '../store.ts';
import type { Db } from './client.ts';
import { sqliteSettings } from './settings.ts';

/** The SQLite adapter: each command one synchronous better-sqlite3 transaction. */
export function createSqliteStore(db: Db): Store {
  return {
    dialect: 'sqlite',
    settings: sqliteSettings(db),
  };
}
