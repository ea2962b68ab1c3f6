import { AppError } from '../lib/errors.ts';

/**
 * An error and those it wraps (drizzle wraps the driver's error in its own, as `cause`), each
 * once.
 */
export function* errorsWithin(error: unknown): Generator<Error> {
  const seen = new Set<unknown>();
  const pending = [error];
  while (pending.length > 0) {
    const next = pending.pop();
    if (!(next instanceof Error) || seen.has(next)) continue;
    seen.add(next);
    yield next;
    pending.push(next.cause);
    if (next instanceof AggregateError) pending.push(...next.errors);
  }
}

/**
 * What a database's own rule refused, as the error a caller gets, or null: a person outside
 * `.test` in a test database (PostgreSQL migration 0017, SQLSTATE OB001; SQLite migration 0021,
 * a trigger's RAISE), `422 test_addresses_only` as the services answer it themselves
 * (features/test-mode/test-people.ts), when the database's word came first.
 */
export function databaseRefusal(error: unknown): AppError | null {
  for (const each of errorsWithin(error)) {
    const code = (each as { code?: unknown }).code;
    const byPostgres = code === 'OB001';
    const bySqlite = code === 'SQLITE_CONSTRAINT_TRIGGER' && each.message === 'test_addresses_only';
    if (byPostgres || bySqlite) return new AppError('test_addresses_only');
  }
  return null;
}
