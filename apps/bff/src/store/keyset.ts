import { and, type Column, lte, type SQL, sql } from 'drizzle-orm';

/**
 * Rows after `after` (the `[instant, id]` of the last row of the page before) in a list newest
 * first, same instant by the higher id: older, or as old with a lower id. The instant alone is
 * said too, so that an index on (…, instant) starts its walk there. Either adapter's table.
 */
export function olderThan(
  instant: Column,
  id: Column,
  after: readonly [number, number | string] | undefined,
): SQL | undefined {
  if (!after) return undefined;
  return and(lte(instant, after[0]), sql`(${instant}, ${id}) < (${after[0]}, ${after[1]})`);
}
