import { type Column, or, type SQL, sql } from 'drizzle-orm';

/**
 * Case-insensitive "contains" over one or more columns. The term's own % and _ match
 * themselves, not anything: a search for "%" finds a percent sign, not every row.
 */
export function containsAny(term: string, ...columns: Column[]): SQL | undefined {
  const pattern = `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(...columns.map((column) => sql`lower(${column}) like ${pattern} escape '\\'`));
}
