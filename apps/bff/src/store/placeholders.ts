import { type Placeholder, sql } from 'drizzle-orm';

/**
 * The values of a prepared INSERT on either store: a placeholder named after each column,
 * filled when it runs from a row with those keys (the column lists live beside the row
 * builders: `SESSION_COLUMNS`, `EVENT_COLUMNS`, `ATTEMPT_COLUMNS`).
 */
export function placeholdersFor<K extends string>(
  columns: readonly K[],
  /** For two rows in one statement: each placeholder is named `${prefix}${column}`. */
  prefix = '',
): Record<K, Placeholder> {
  return Object.fromEntries(
    columns.map((column) => [column, sql.placeholder(`${prefix}${column}`)]),
  ) as Record<K, Placeholder>;
}

/** A row's values under the names `placeholdersFor(columns, prefix)` gave them. */
export function prefixed(prefix: string, row: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [`${prefix}${key}`, value]));
}
