import type { AuditEventType } from '@onbehalf/contracts/audit';
import { beforeEach, describe, expect, it } from 'vitest';
import { countOf, rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, outcomeOf, type TestApp } from '../../test/harness.ts';

/**
 * Guesses (an unknown link or token, a wrong password, an unknown address) are bounded by the
 * guess and account budgets, but an address on `RATE_LIMIT_ALLOWLIST` is exempt from the
 * address-wide ones, and many addresses each have their own. What the trail keeps of them is
 * bounded too: the first of a minute by the same caller for the same failure in full, the rest
 * counted in the minute's `audit.repeated` (SPEC §8b; found by a review: 400 unknown links from
 * an allowlisted address wrote 400 events).
 */

const MINUTE = 60_000;
const OFFICE = '198.51.100.20';
let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({
    rateLimits: true,
    env: { TRUST_PROXY: '1', RATE_LIMIT_ALLOWLIST: '198.51.100.0/24' },
  });
  ids = demoIds(t);
});

const from = (ip: string) => t.client(undefined, { 'x-forwarded-for': ip });
const events = (type: AuditEventType) => rowsWhere(t.ts, 'auditEvents', { type });

/** The summaries of closed minutes, by the type and rule they count. */
async function repeatsOf(type: AuditEventType, rule: string) {
  return (await events('audit.repeated'))
    .filter((e) => e.details?.type === type && e.details?.rule === rule)
    .map((e) => e.details?.repeats);
}

describe('a flood of guesses from an allowlisted address', () => {
  it('unknown links and tokens: every one answered, never 429, written once a minute and counted', async () => {
    const attemptsBefore = await countOf(t.ts, 'loginAttempts');
    const outcomes = new Set<number | string>();
    for (let i = 0; i < 150; i++) {
      outcomes.add(
        await outcomeOf(from(OFFICE).links.redeemOneClick({ userId: 1, hash: 'A'.repeat(43) })),
      );
      outcomes.add(
        await outcomeOf(from(OFFICE).links.redeemLoginToken(`${900_000 + i}.${'x'.repeat(43)}`)),
      );
    }
    expect(outcomes).toEqual(new Set([400]));
    expect(await events('one_click.failed')).toHaveLength(1);
    expect(await events('login_token.failed')).toHaveLength(1);
    expect((await countOf(t.ts, 'loginAttempts')) - attemptsBefore).toBe(2);

    // The next minute's first is written in full, and the closed minute is summarised.
    t.clock.advance(MINUTE);
    expect(
      await outcomeOf(from(OFFICE).links.redeemOneClick({ userId: 1, hash: 'B'.repeat(43) })),
    ).toBe(400);
    expect(await events('one_click.failed')).toHaveLength(2);
    expect(await repeatsOf('one_click.failed', 'invalid')).toEqual([149]);
    expect(await repeatsOf('login_token.failed', 'invalid')).toEqual([149]);
  });

  it('failed sign-ins: per failure and account, once a minute and counted; the account’s limits still hold', async () => {
    const member = ids.userId('member@acme.test');
    for (let i = 0; i < 60; i++) {
      const unknown = from(OFFICE).auth.signIn({
        email: `nobody-${i}@acme.test`,
        password: 'guess',
      });
      expect(await outcomeOf(unknown)).toBe(401);
    }
    // Wrong passwords for one account until its limit for this address slows them down: the
    // allowlist exempts from address-wide limits, not from an account's own.
    let wrongPasswords = 0;
    for (let i = 0; i < 30; i++) {
      const wrong = from(OFFICE).auth.signIn({ email: 'member@acme.test', password: `guess-${i}` });
      const outcome = await outcomeOf(wrong);
      if (outcome === 429) break;
      expect(outcome).toBe(401);
      wrongPasswords++;
    }
    expect(wrongPasswords).toBeGreaterThanOrEqual(3);
    const failed = await events('auth.sign_in.failed');
    expect(failed.map((e) => [e.subjectUserId, e.details?.failure])).toEqual([
      [null, 'unknown_email'],
      [member, 'wrong_password'],
    ]);
    // Another address is another caller: written in full.
    expect(
      await outcomeOf(
        from('203.0.113.9').auth.signIn({ email: 'nobody@acme.test', password: 'x' }),
      ),
    ).toBe(401);
    expect(await events('auth.sign_in.failed')).toHaveLength(3);

    t.clock.advance(MINUTE);
    expect(
      await outcomeOf(from(OFFICE).auth.signIn({ email: 'nobody@acme.test', password: 'x' })),
    ).toBe(401);
    expect(await repeatsOf('auth.sign_in.failed', 'unknown_email')).toEqual([59]);
    expect(await repeatsOf('auth.sign_in.failed', `wrong_password:${member}`)).toEqual([
      wrongPasswords - 1,
    ]);
  });

  it('a real link’s secret tried with other people’s ids is counted under its link, apart from unrelated guesses', async () => {
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    await t.client(ops).sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') });
    const hash = new URL(t.latestMail('buyer@acme.test').url ?? '').pathname.split('/')[3] ?? '';
    // An unrelated guess first in the minute, then the leaked secret with other ids.
    expect(
      await outcomeOf(from(OFFICE).links.redeemOneClick({ userId: 1, hash: 'C'.repeat(43) })),
    ).toBe(400);
    const others = ['owner@acme.test', 'admin@acme.test', 'member@acme.test', 'solo@example.test'];
    for (const userId of others.map((email) => ids.userId(email))) {
      expect(await outcomeOf(from(OFFICE).links.redeemOneClick({ userId, hash }))).toBe(400);
    }
    const failed = await events('one_click.failed');
    expect(failed.map((e) => e.details?.linkId ?? null)).toEqual([null, expect.any(String)]);
    // Named in the history of the person whose link it is.
    expect(failed.map((e) => e.subjectUserId)).toEqual([null, ids.userId('buyer@acme.test')]);
    t.clock.advance(MINUTE);
    await outcomeOf(from(OFFICE).links.redeemOneClick({ userId: 1, hash: 'D'.repeat(43) }));
    const linkId = failed[1]?.details?.linkId;
    expect(await repeatsOf('one_click.failed', `forged_user:${linkId}`)).toEqual([3]);
    // The link itself still works for its own person.
    expect(
      await outcomeOf(
        t.client().links.redeemOneClick({ userId: ids.userId('buyer@acme.test'), hash }),
      ),
    ).toBe('ok');
  });
});
