import { type SQL, sql } from 'drizzle-orm';
import type { PgDb } from './client.ts';

/**
 * A statement built once per handle and prepared by name on its connection the first time it
 * runs there. Building a query with drizzle costs more CPU than the rest of a lookup (about
 * 400 µs for the session lookup's joins, against 140 µs for running it prepared,
 * docs/decisions/022-postgresql-costs.md), so the statements of every request are built once:
 * per pool for the reads outside transactions, per pooled connection for the statements of a
 * command (`transaction` in client.ts hands each connection's work the same handle every time).
 */
export function prepared<Q>(build: (db: PgDb) => Q): (db: PgDb) => Q {
  const byHandle = new WeakMap<PgDb, Q>();
  return (db) => {
    let query = byHandle.get(db);
    if (query === undefined) {
      query = build(db);
      byHandle.set(db, query);
    }
    return query;
  };
}

/**
 * A placeholder where drizzle's `set` wants a value: an update's new values, filled when the
 * prepared statement runs.
 */
export function setTo<K extends string>(name: K): SQL {
  return sql`${sql.placeholder(name)}`;
}
