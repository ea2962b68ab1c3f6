import { sql } from 'drizzle-orm';

/**
 * The values of a prepared INSERT: a placeholder named after each column, filled at run time
 * from an object with those keys.
 */
export function placeholdersFor(columns: readonly string[]): never {
  return Object.fromEntries(columns.map((c) => [c, sql.placeholder(c)])) as never;
}

/**
 * Builds a query once per database connection and reuses it. Drizzle otherwise re-renders
 * the SQL and better-sqlite3 re-prepares the statement on every call, which dominated the
 * cost of the hot paths (see docs/decisions/009-performance.md). Keyed by the connection, not
 * the handle, so a statement prepared outside a transaction also serves inside one: with
 * better-sqlite3 everything runs synchronously on that one connection.
 */
export function preparedPerHandle<H extends object, T>(build: (handle: H) => T): (handle: H) => T {
  const cache = new WeakMap<object, T>();
  return (handle) => {
    const key = (handle as { session?: { client?: object } }).session?.client ?? handle;
    let prepared = cache.get(key);
    if (prepared === undefined) {
      prepared = build(handle);
      cache.set(key, prepared);
    }
    return prepared;
  };
}
