import type Database from 'better-sqlite3';

/**
 * SQLite's plan for a statement, its steps joined by ` | `: for the tests that pin a statement
 * to an index rather than a scan of its table. `params` fills the placeholders (any value will
 * do: the plan does not depend on them).
 */
export function queryPlan(sqlite: Database.Database, sql: string, params: unknown[]): string {
  return (sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
    .map((step) => step.detail)
    .join(' | ');
}
