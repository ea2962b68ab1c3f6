import type { Db } from './client.ts';

/** What every SQLite adapter is built from. */
export interface SqliteContext {
  db: Db;
}
