import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { freshStore } from '../test-stores.ts';
import { TOKEN_SEARCH_STEP } from './login-tokens.store.ts';

describe('login-token search on SQLite', () => {
  it('reads a step of tokens at a time, newest first, the event loop free between steps', async () => {
    const ts = await freshStore('sqlite');
    // Guests' tokens, many; three old ones hold the Extra searched for.
    const count = 50_000;
    ts.db.run(
      sql.raw(`INSERT INTO login_tokens (secret_hash, created_at, expires_at, one_time_use, extra)
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
        SELECT 'h' || i, 0, 1, 1, CASE WHEN i % 20000 = 7 THEN 'needle' ELSE 't' || i END FROM n`),
    );
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const page = (before?: number) =>
      ts.store.loginTokens
        .list({ now: 0, scope: null, query: 'needle', before, limit: 1 })
        .then((read) => read.rows);
    try {
      // The newest needle is found, and one more tells there are more: across the steps.
      const first = await page();
      expect(first.map((r) => r.token.id)).toEqual([40_007, 20_007]);
      const rest = await page(20_007);
      expect(rest.map((r) => r.token.id)).toEqual([7]);
    } finally {
      clearInterval(ticking);
    }
    expect(turns).toBeGreaterThan(0);
    expect(count / TOKEN_SEARCH_STEP).toBeGreaterThanOrEqual(2);
  });
});
