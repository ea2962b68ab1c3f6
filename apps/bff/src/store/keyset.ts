import { and, type Column, lt, lte, type SQL, sql } from 'drizzle-orm';

/**
 * Rows after `after` (the `[instant, id]` of the last row of the page before) in a list newest
 * first, same instant by the higher id: older, or as old with a lower id. The instant alone is
 * said too, so that an index on (…, instant) starts its walk there. Either adapter's table.
 */
export function olderThan(
  instant: Column,
  id: Column | SQL,
  after: readonly [number, number | string] | undefined,
): SQL | undefined {
  if (!after) return undefined;
  return and(lte(instant, after[0]), sql`(${instant}, ${id}) < (${after[0]}, ${after[1]})`);
}

/**
 * Where a page starts in one of the tables of a list merged from several, newest first (rows of
 * the same instant by table, in a fixed order, then by the higher id): after the row the page
 * before ended on, when it was this table's (`afterRow`); else at the rows older than that
 * row's instant, and those as old as well when this table's rows come after its table's there
 * (`sameInstant`).
 */
export type StartIn<Id extends number | string> =
  | { afterRow: readonly [number, Id] }
  | { olderThan: number; sameInstant: boolean };

/** The rows of one table of a merged list from where its page starts (`StartIn`). */
export function startingIn<Id extends number | string>(
  instant: Column,
  id: Column | SQL,
  start: StartIn<Id> | undefined,
): SQL | undefined {
  if (!start) return undefined;
  if ('afterRow' in start) return olderThan(instant, id, start.afterRow);
  return start.sameInstant ? lte(instant, start.olderThan) : lt(instant, start.olderThan);
}

/**
 * The first `limit` rows of several lists each newest first (same instant: the higher id first),
 * merged in that order: a page read from each of a person's profiles, say, where one statement
 * over all of them would read and sort every row they hold.
 */
export function newestOf<R>(
  lists: readonly (readonly R[])[],
  keyOf: (row: R) => readonly [number, number],
  limit: number,
): R[] {
  return lists
    .flat()
    .sort((a, b) => {
      const [atA, idA] = keyOf(a);
      const [atB, idB] = keyOf(b);
      return atB - atA || idB - idA;
    })
    .slice(0, limit);
}
