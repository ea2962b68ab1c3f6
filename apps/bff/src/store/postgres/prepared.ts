import type { PgDb } from './client.ts';

/**
 * A statement built once per pool and prepared by name on each pooled connection the first
 * time it runs there. Building a query with drizzle costs more CPU than the rest of a lookup
 * (about 400 µs for the session lookup's joins, against 140 µs for running it prepared,
 * docs/decisions/022-postgresql-costs.md), so the statements of every request are built once.
 * Only on the pool: a statement of a transaction runs on that transaction's connection.
 */
export function preparedOnPool<Q>(build: (db: PgDb) => Q): (db: PgDb) => Q {
  const byPool = new WeakMap<PgDb, Q>();
  return (db) => {
    let query = byPool.get(db);
    if (query === undefined) {
      query = build(db);
      byPool.set(db, query);
    }
    return query;
  };
}
