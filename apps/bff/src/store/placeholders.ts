import { type Placeholder, sql } from 'drizzle-orm';

/**
 * The values of a prepared INSERT on either store: a placeholder named after each column,
 * filled when it runs from a row with those keys (the column lists live beside the row
 * builders: `SESSION_COLUMNS`, `EVENT_COLUMNS`, `ATTEMPT_COLUMNS`).
 */
export function placeholdersFor<K extends string>(
  columns: readonly K[],
): Record<K, Placeholder<K>> {
  return Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)])) as Record<
    K,
    Placeholder<K>
  >;
}
