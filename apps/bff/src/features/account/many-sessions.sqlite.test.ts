import { describe, expect, it } from 'vitest';
import { createTestApp, demoIds } from '../../test/harness.ts';

/**
 * Sessions are kept after they expire, and one that expired is never marked revoked: every
 * sign-in a person ever made (and every use of a reusable integration token) stays a row. A
 * password change once revoked all of them and then named each id in one statement, one SQL
 * variable per session: past SQLite's 32,766 it failed with a 500 and the password could not
 * be changed (found by a review). Only live sessions are touched now, chosen by a subquery.
 */
describe('a password change after many sign-ins', () => {
  it('works with 40,000 old sessions that expired long ago, and leaves them as they were', async () => {
    const t = await createTestApp({ rateLimits: false });
    const email = 'buyer@acme.test';
    const userId = demoIds(t).userId(email);
    const long = t.clock.now() - 400 * 86_400_000;
    const insert = t.sqlite.prepare(
      `INSERT INTO sessions (id, token_hash, user_id, method, created_at, expires_at, last_seen_at)
       VALUES (?, ?, ?, 'password', ?, ?, ?)`,
    );
    t.sqlite.transaction(() => {
      for (let i = 0; i < 40_000; i++) {
        insert.run(`old-${i}`, `hash-${i}`, userId, long, long + 43_200_000, long);
      }
    })();
    const elsewhere = await t.signIn(email);
    const { token } = await t.signIn(email);
    const res = await t.call('PUT', '/api/public/account/password', {
      token,
      body: { currentPassword: 'demo-password', newPassword: 'a-brand-new-password' },
    });
    expect(res.status).toBe(200);
    expect(
      (await t.call('GET', '/api/public/auth/session', { token: elsewhere.token })).status,
    ).toBe(401);
    const untouched = t.sqlite
      .prepare(`SELECT count(*) AS n FROM sessions WHERE id LIKE 'old-%' AND revoked_at IS NULL`)
      .get() as { n: number };
    expect(untouched.n).toBe(40_000);
  }, 120_000);
});
