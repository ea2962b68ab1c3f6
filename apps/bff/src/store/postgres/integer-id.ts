/**
 * Whether a number can be a row's id in an `integer` (or `serial`) column. The API accepts any
 * safe integer as an id; SQLite simply finds nothing for one beyond the column's range, where
 * PostgreSQL refuses to compare it, so reads by such an id answer "none" without asking.
 */
export function isIntegerId(n: number): boolean {
  return Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647;
}

/**
 * A keyset cursor's id brought within the column's range, for a forged cursor (ours hold real
 * ids): every id is greater than one below the range and none is greater than one above it, so
 * the rows after the bound are the rows after the cursor.
 */
export function idWithinRange(n: number): number {
  return Math.min(Math.max(n, -2_147_483_648), 2_147_483_647);
}
