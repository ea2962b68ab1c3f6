import type { AuditSearchReader } from './audit-search-reader.ts';
import type { Db } from './client.ts';

/** What every SQLite adapter is built from. */
export interface SqliteContext {
  db: Db;
  /**
   * Where free-text audit searches find their matches, off the request thread (ADR 035); a
   * database of a file has one, an in-memory one (tests) searches on its own connection.
   */
  searchReader?: AuditSearchReader;
}
