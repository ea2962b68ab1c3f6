import { beforeEach, describe, expect, it } from 'vitest';
import { countOf, rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

/**
 * A real link or token that no longer works is not a guess: no budget refuses it (ADR 016), so
 * anyone may present it as often as they like. What it writes is bounded instead: the first of a
 * minute by the same caller is recorded and audited in full, the rest counted (SPEC §8b).
 */

const MINUTE = 60_000;
let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: true, env: { TRUST_PROXY: '1' } });
  ids = demoIds(t);
});

const from = (ip: string) => ({ 'x-forwarded-for': ip });

/** A one-time token used once, and a one-click link used once. */
async function usedCredentials() {
  const ops = (await t.signIn('ops@onbehalf.test')).token;
  await t.client(ops).sys.emailOneClickLink({ userId: ids.userId('member@acme.test') });
  const [, , userId, hash] = new URL(t.latestMail('member@acme.test').url ?? '').pathname.split(
    '/',
  );
  const link = { userId: Number(userId), hash: hash ?? '' };
  await t.client().links.redeemOneClick(link);
  const ownToken = await t.client(ops).loginTokens.create({
    subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
    expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
    use: 'integration',
  });
  if (!('token' in ownToken)) throw new Error('no token');
  await t.client().links.redeemLoginToken(ownToken.token);
  return { token: ownToken.token, link };
}

describe('a used credential presented again and again', () => {
  it('is answered every time, never 429, and written once a minute per caller', async () => {
    const { token, link } = await usedCredentials();
    const attempts = () => countOf(t.ts, 'loginAttempts');
    const failed = () =>
      Promise.all([
        rowsWhere(t.ts, 'auditEvents', { type: 'login_token.failed' }),
        rowsWhere(t.ts, 'auditEvents', { type: 'one_click.failed' }),
      ]).then(([a, b]) => a.length + b.length);
    const before = { attempts: await attempts(), failed: await failed() };

    const answers: (number | string)[] = [];
    for (let i = 0; i < 40; i++) {
      const client = t.client(undefined, from('203.0.113.9'));
      const refused = (call: Promise<unknown>) =>
        call.then(
          () => 200,
          (error: { status: number }) => error.status,
        );
      answers.push(await refused(client.links.redeemLoginToken(token)));
      answers.push(await refused(client.links.redeemOneClick(link)));
      answers.push((await client.links.previewLoginToken(token)).status);
      answers.push((await client.links.previewOneClick(link)).status);
    }
    expect(new Set(answers)).toEqual(new Set([410, 'used']));
    // One token and one link, each failing as used: two of each, not 160.
    expect((await attempts()) - before.attempts).toBe(2);
    expect((await failed()) - before.failed).toBe(2);

    // Another caller, or the next minute, is written again: nothing goes unrecorded.
    await expect(
      t.client(undefined, from('198.51.100.4')).links.redeemLoginToken(token),
    ).rejects.toMatchObject({ status: 410 });
    t.clock.advance(MINUTE);
    await expect(
      t.client(undefined, from('203.0.113.9')).links.redeemLoginToken(token),
    ).rejects.toMatchObject({ status: 410 });
    expect((await attempts()) - before.attempts).toBe(4);
    // Addresses of one IPv6 /64 are one caller, as the rate limits count them.
    for (const ip of ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2:ffff::1']) {
      await expect(
        t.client(undefined, from(ip)).links.redeemLoginToken(token),
      ).rejects.toMatchObject({ status: 410 });
    }
    expect((await attempts()) - before.attempts).toBe(5);
    // The closed minute's repeats are summarised on the trail.
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'audit.repeated' })).not.toEqual([]);
  });
});
