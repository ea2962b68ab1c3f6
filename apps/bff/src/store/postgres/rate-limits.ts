import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { StoreFactory } from '../../lib/rate-limit.ts';

/** How many expired counters one statement deletes: a flood's millions go in short steps. */
const DELETE_BATCH = 1000;

/**
 * Deletes the counters whose window ended before `now`, a batch at a time (the server's
 * housekeeping, once a minute per process; the library's own timer is off). Without it, every
 * failed sign-in for a new email would leave rows behind for good. Returns how many went.
 */
export async function deleteExpiredRateLimits(pool: pg.Pool, now: number): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM rate_limits WHERE key IN (
         SELECT key FROM rate_limits WHERE expire < $1 LIMIT ${DELETE_BATCH}
         FOR UPDATE SKIP LOCKED)`,
      [now],
    );
    deleted += rowCount ?? 0;
    if ((rowCount ?? 0) < DELETE_BATCH) return deleted;
  }
}

/**
 * Rate-limit counters in PostgreSQL, through rate-limiter-flexible's own store: every process
 * counts in the same budgets, so failures spread over several processes add up (SPEC §11). The
 * table comes from our migrations (0002), not from the library at run time.
 */
export function postgresRateLimitStore(pool: pg.Pool): StoreFactory {
  return (options) =>
    new RateLimiterPostgres({
      ...options,
      storeClient: pool,
      tableName: 'rate_limits',
      tableCreated: true,
      clearExpiredByTimeout: false,
    });
}
