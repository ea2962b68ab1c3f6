import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';
import type { StoreFactory } from '../../lib/rate-limit.ts';

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
