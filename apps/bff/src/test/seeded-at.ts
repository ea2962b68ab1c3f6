/**
 * When every test app's demo was seeded, and where the harness's manual clock starts: the same
 * instant on SQLite (seeded per app) and in PostgreSQL's template (seeded once per run).
 */
export const SEEDED_AT = Date.UTC(2026, 10, 2, 9, 0, 0);
