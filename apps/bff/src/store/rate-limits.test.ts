import { describe, expect, it } from 'vitest';
import { createLimiters } from '../lib/rate-limit.ts';
import { openPostgres } from './postgres/client.ts';
import { postgresRateLimitStore } from './postgres/rate-limits.ts';
import { freshStore } from './test-stores.ts';

/** A password check that failed, as the budgets count it. */
const wrong = async () => 'wrong';
const failed = () => true;

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
        await processes[i % 3]?.checkingPassword('jane@acme.test', `203.0.113.${i}`, wrong, failed);
      }
      for (const limiters of processes) {
        await expect(
          limiters.checkingPassword('jane@acme.test', '198.51.100.7', wrong, failed),
        ).rejects.toMatchObject({ code: 'rate_limited' });
      }
      // Another account is untouched.
      await expect(
        processes[0]?.checkingPassword('omar@acme.test', '198.51.100.7', wrong, failed),
      ).resolves.toBeDefined();
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('checks sent at once over several processes take no more than the budget between them', async () => {
    const { url } = await freshStore('postgres');
    const pools = [1, 2, 3].map(() => openPostgres(url, { max: 4 }).pool);
    const processes = pools.map((pool) =>
      createLimiters({ enabled: true, store: postgresRateLimitStore(pool) }),
    );
    try {
      // 160 guesses at once for one account from 160 addresses: 100 may be checked, no more.
      const outcomes = await Promise.all(
        Array.from({ length: 160 }, (_, i) =>
          processes[i % 3]
            ?.checkingPassword('jane@acme.test', `203.0.113.${i}`, wrong, failed)
            .then(
              () => 'checked',
              (error: { code?: string }) => error.code,
            ),
        ),
      );
      expect(outcomes.filter((o) => o === 'checked')).toHaveLength(100);
      expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(60);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });
});
