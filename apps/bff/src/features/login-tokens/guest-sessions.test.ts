import { describe, expect, it } from 'vitest';
import { rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds } from '../../test/harness.ts';

/**
 * A reusable anonymous token opens a guest session per use (SPEC §6). A guest has no person
 * whose cap of live sessions bounds that, so one holder could open them without end (found by a
 * review): its uses are counted per token and address instead (ADR 016).
 */
describe('a reusable anonymous token', () => {
  it('opens 60 guest sessions an hour from one address, then slows it down; other addresses and allowlisted ones are not', async () => {
    const t = await createTestApp({
      rateLimits: true,
      env: { TRUST_PROXY: '1', RATE_LIMIT_ALLOWLIST: '198.51.100.0/24' },
    });
    const ids = demoIds(t);
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    const expiresAt = new Date(t.clock.now() + 7 * 86_400_000).toISOString();
    const guest = await t.client(ops).loginTokens.create({
      subject: { type: 'anonymous' },
      expiresAt,
      oneTimeUse: false,
    });
    const person = await t.client(ops).loginTokens.create({
      subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
      expiresAt,
      use: 'integration',
      oneTimeUse: false,
    });
    if (!('token' in guest) || !('token' in person)) throw new Error('no token');
    const use = (token: string, ip: string) =>
      t
        .client(undefined, { 'x-forwarded-for': ip })
        .links.redeemLoginToken(token)
        .then(
          () => 'ok',
          (error: { status: number }) => error.status,
        );

    // 60 free, and one more, after which each must wait twice as long as the one before.
    for (let i = 0; i < 61; i++) expect(await use(guest.token, '203.0.113.9')).toBe('ok');
    expect(await use(guest.token, '203.0.113.9')).toBe(429);
    // One holder's /64 is one address.
    expect(await use(guest.token, '2001:db8::1')).toBe('ok');
    // Another address, an allowlisted one, and a person's token are not slowed down.
    expect(await use(guest.token, '192.0.2.7')).toBe('ok');
    for (let i = 0; i < 65; i++) expect(await use(guest.token, '198.51.100.20')).toBe('ok');
    expect(await use(person.token, '203.0.113.9')).toBe('ok');
    // Nothing was opened for the refused use.
    const guests = await rowsWhere(t.ts, 'sessions', { userId: null, method: 'login_token' });
    expect(guests).toHaveLength(61 + 1 + 1 + 65);
  });
});
