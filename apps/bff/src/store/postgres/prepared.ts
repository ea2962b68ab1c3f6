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

/**
 * The rows a prepared page is planned for: the page sizes the lists offer (1, which the portal
 * asks to learn whether there is anything, 10, 25, 50 and the largest, 100), each with the row
 * more that tells whether a next page exists. A page of another size reads the next one up,
 * and the caller keeps the rows it asked for.
 */
const PLANNED_PAGE_ROWS = [2, 11, 26, 51, 101] as const;

/**
 * A LIMIT that PostgreSQL plans as the number it is. Drizzle sends a number as a parameter,
 * and for `LIMIT $n` the planner, not knowing how many rows, expects a tenth of the table: the
 * generic plan then costs more than a custom one, so PostgreSQL plans the prepared statement
 * again at every execution (about 0.4 ms for an audit page, more than running it). Drizzle
 * writes a chunk of SQL given as the limit into the statement as it is (its pg-core dialect
 * renders `limit ${limit}`), which its types do not say: `prepared.test.ts` pins it, and the
 * audit and team store tests the statements' text.
 */
export function literalLimit(rows: number): number {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`not a row count: ${rows}`);
  return sql.raw(String(rows)) as unknown as number;
}

/**
 * A page's statement prepared once per planned size (`PLANNED_PAGE_ROWS`): `build` writes the
 * size into the statement (`literalLimit`) and its name, so PostgreSQL keeps one plan for each.
 * Returns how to read `rows` rows from the smallest planned size that holds them (the rows past
 * `rows` are not the page's, and are dropped); undefined when none does (an export's batches,
 * read by a statement built for the call).
 */
export function preparedPages<V, R>(
  build: (db: PgDb, planned: number) => { execute(values: V): Promise<R[]> },
): (db: PgDb, rows: number) => ((values: V) => Promise<R[]>) | undefined {
  const sizes = PLANNED_PAGE_ROWS.map((planned) => ({
    planned,
    query: prepared((db) => build(db, planned)),
  }));
  return (db, rows) => {
    const size = sizes.find(({ planned }) => planned >= rows);
    if (!size) return undefined;
    const query = size.query(db);
    return async (values) => (await query.execute(values)).slice(0, rows);
  };
}
