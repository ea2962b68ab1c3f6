import { describe, expect, it } from 'vitest';
import { createLimiters } from '../lib/rate-limit.ts';
import { openPostgres } from './postgres/client.ts';
import { postgresRateLimitStore } from './postgres/rate-limits.ts';
import { freshStore } from './test-stores.ts';

describe('rate-limit budgets in PostgreSQL', () => {
  it('failed sign-ins spread over several processes share one account budget', async () => {
    const { url } = await freshStore('postgres');
    // Three processes: each its own pool and its own limiters, one database.
    const pools = [1, 2, 3].map(() => openPostgres(url, { max: 2 }).pool);
    const processes = pools.map((pool) =>
      createLimiters({ enabled: true, store: postgresRateLimitStore(pool) }),
    );
    try {
      // 100 failures for one account, from 100 addresses, round-robin over the processes.
      for (let i = 0; i < 100; i++) {
        await processes[i % 3]?.recordSignInFailure('jane@acme.test', `203.0.113.${i}`);
      }
      for (const limiters of processes) {
        await expect(
          limiters.assertSignInAllowed('jane@acme.test', '198.51.100.7'),
        ).rejects.toMatchObject({ code: 'rate_limited' });
      }
      // Another account is untouched.
      await expect(
        processes[0]?.assertSignInAllowed('omar@acme.test', '198.51.100.7'),
      ).resolves.toBeUndefined();
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
