import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rowsWhere } from '../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../test/harness.ts';
import { addressKey, networkKey, parseAllowlist, rules } from './rate-limit.ts';

describe('addresses', () => {
  it('count IPv4 as is, IPv6 per /64, and IPv4 mapped into IPv6 as IPv4', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:0db8:0000:0000:ffff:1:2:3')).toBe('2001:db8:0:0::/64');
    expect(addressKey('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(addressKey('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(addressKey('::ffff:c633:6404')).toBe('198.51.100.4');
    expect(addressKey(null)).toBe('-');
  });

  it('count IPv4 clients passed on by a NAT64 translator as their IPv4 addresses, not one /64 (review)', () => {
    expect(addressKey('64:ff9b::c633:6404')).toBe('198.51.100.4');
    expect(addressKey('64:ff9b::198.51.100.5')).toBe('198.51.100.5');
    expect(addressKey('64:ff9b::808:808')).not.toBe(addressKey('64:ff9b::c633:6404'));
    expect(networkKey('64:ff9b::c633:6404')).toBeNull();
    // Only the translator's own network: an address beside it is an IPv6 one.
    expect(addressKey('64:ff9b:0:1::c633:6404')).toBe('64:ff9b:0:1::/64');
    // RFC 8215's network for translators of one's own puts IPv4 where each translator chooses:
    // no place to read it from, so its clients are IPv6 ones, per /64.
    expect(addressKey('64:ff9b:1::c633:6404')).toBe('64:ff9b:1:0::/64');
  });

  it('count IPv6 networks per /48 as well; IPv4 has none', () => {
    expect(networkKey('2001:db8:1:2::1')).toBe('2001:db8:1::/48');
    expect(networkKey('2001:0db8:0001:ffff:1:2:3:4')).toBe('2001:db8:1::/48');
    expect(networkKey('203.0.113.7')).toBeNull();
    expect(networkKey('::ffff:198.51.100.4')).toBeNull();
    expect(networkKey(null)).toBeNull();
  });

  it('the allowlist exempts the addresses and networks it names, and no others', () => {
    const list = parseAllowlist('198.51.100.0/24, 2001:db8:aa::/48, 203.0.113.9');
    expect(list.check('198.51.100.77', 'ipv4')).toBe(true);
    expect(list.check('2001:db8:aa:1::5', 'ipv6')).toBe(true);
    expect(list.check('203.0.113.9', 'ipv4')).toBe(true);
    expect(list.check('203.0.113.10', 'ipv4')).toBe(false);
    // What it refuses is refused at start, by loadEnv (env.test.ts).
    const widest = parseAllowlist('10.0.0.0/8, 2001:db8::/128');
    expect(widest.check('10.255.0.1', 'ipv4')).toBe(true);
    expect(widest.check('11.0.0.1', 'ipv4')).toBe(false);
    expect(widest.check('2001:db8::1', 'ipv6')).toBe(false);
  });
});

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
const from = (address: string) => ({ 'x-forwarded-for': address });

beforeEach(async () => {
  // A manual clock for the limiter's windows and waits.
  vi.useFakeTimers({ toFake: ['Date'] });
  t = await createTestApp({
    env: { TRUST_PROXY: '1', RATE_LIMIT_ALLOWLIST: '192.0.2.0/24' },
  });
  ids = demoIds(t);
});
afterEach(() => {
  vi.useRealTimers();
});

/**
 * Failures counted straight into the limiters, for the bulk of a budget: each sign-in through
 * the API costs an argon2id verification. Every test still sends some failures through the API
 * and would fail if those were not counted.
 */
async function failures(
  count: number,
  email: (i: number) => string,
  address: (i: number) => string,
) {
  for (let i = 0; i < count; i++) {
    await t.deps.limiters.checkingPassword(
      email(i),
      address(i),
      async () => 'wrong',
      () => true,
    );
  }
}

/** Raw: the address arrives in the proxy's header, and a test reads the wait from Retry-After. */
const signIn = (email: string, password: string, address: string) =>
  t.call('POST', '/api/public/auth/sign-in', {
    body: { email, password },
    headers: from(address),
  });

describe('sign-in limits', () => {
  it('an account has a budget of failures an hour, whatever the address: distributed guessing meets it', async () => {
    const viaApi = 10;
    await failures(
      rules.signInAccount.block - viaApi,
      () => 'buyer@acme.test',
      (i) => `10.${i >> 8}.${i & 255}.1`,
    );
    for (let i = 0; i < viaApi; i++) {
      const res = await signIn('buyer@acme.test', 'guess', `10.9.${i}.1`);
      expect(res.status).toBe(401);
    }
    // Even the right password, from an address that never failed: the account waits.
    const right = await signIn('buyer@acme.test', 'demo-password', '203.0.113.50');
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(3000);
    // Even from the allowlist: it exempts from address limits, never from an account's own.
    expect((await signIn('buyer@acme.test', 'demo-password', '192.0.2.8')).status).toBe(429);
    // Another account is not touched.
    expect((await signIn('owner@acme.test', 'demo-password', '203.0.113.50')).status).toBe(200);
    vi.advanceTimersByTime(60 * 60 * 1000);
    expect((await signIn('buyer@acme.test', 'demo-password', '203.0.113.50')).status).toBe(200);
  });

  it('an office behind one address is slowed down only far past ordinary typos, never by one account', async () => {
    for (let i = 0; i < 50; i++) {
      expect((await signIn(`nobody-${i}@acme.test`, 'x', '203.0.113.60')).status).toBe(401);
    }
    expect((await signIn('owner@acme.test', 'demo-password', '203.0.113.60')).status).toBe(200);
  });

  it('an allowlisted address is exempt from the address-wide limit, passed on by NAT64 too', async () => {
    // 64:ff9b::c000:22d is 192.0.2.45 as a NAT64 translator passes it on (review).
    for (const address of ['192.0.2.44', '64:ff9b::c000:22d', '203.0.113.61']) {
      await failures(
        rules.signInAddress.free,
        (i) => `nobody-${i}@acme.test`,
        () => address,
      );
      for (let i = 0; i < 5; i++) await signIn(`somebody-${i}@acme.test`, 'x', address);
    }
    expect((await signIn('owner@acme.test', 'demo-password', '192.0.2.44')).status).toBe(200);
    expect((await signIn('owner@acme.test', 'demo-password', '64:ff9b::c000:22d')).status).toBe(
      200,
    );
    expect((await signIn('owner@acme.test', 'demo-password', '203.0.113.61')).status).toBe(429);
  });

  it('the /64s of one IPv6 network share a budget: many, each below its own, are slowed down together', async () => {
    await failures(
      rules.signInNetwork.free,
      (i) => `nobody-${i}@acme.test`,
      // A thousand /64s of one /48, each far below its own budget.
      (i) => `2001:db8:7:${i.toString(16)}::1`,
    );
    // One more failure from yet another /64 of it, and then even a right password waits.
    expect((await signIn('nobody@acme.test', 'x', '2001:db8:7:ffff::1')).status).toBe(401);
    const right = await signIn('owner@acme.test', 'demo-password', '2001:db8:7:fffe::1');
    expect(right.status).toBe(429);
    // Another network is not touched.
    expect((await signIn('owner@acme.test', 'demo-password', '2001:db8:8::1')).status).toBe(200);
  });

  it('IPv6 addresses of one /64 share their limits; another /64 does not', async () => {
    for (let i = 0; i <= rules.signInPair.free; i++) {
      await signIn('buyer@acme.test', 'x', `2001:db8::${i + 1}`);
    }
    expect((await signIn('buyer@acme.test', 'demo-password', '2001:db8::ffff')).status).toBe(429);
    expect((await signIn('buyer@acme.test', 'demo-password', '2001:db8:0:1::1')).status).toBe(200);
  });

  it('a proxy’s port or spelling of an address is not a fresh address', async () => {
    const spellings = (i: number) =>
      [`203.0.113.8:${40000 + i}`, `[::ffff:cb00:7108]:${i}`, '::FFFF:203.0.113.8'][i % 3] ?? '';
    for (let i = 0; i <= rules.signInPair.free; i++) {
      expect((await signIn('buyer@acme.test', 'x', spellings(i))).status).toBe(401);
    }
    const next = await signIn('buyer@acme.test', 'demo-password', '203.0.113.8:65000');
    expect(next.status).toBe(429);
    // And the trail names the address once, as an address.
    const failed = await rowsWhere(t.ts, 'auditEvents', { type: 'auth.sign_in.failed' });
    expect(new Set(failed.map((e) => e.ip))).toEqual(new Set(['203.0.113.8']));
  });

  it('each failure past the free ones doubles the wait, up to a minute', async () => {
    const waits: number[] = [];
    for (let i = 0; i < rules.signInPair.free + 8; i++) {
      const res = await signIn('buyer@acme.test', 'x', '203.0.113.70');
      if (res.status === 429) {
        waits.push(Number(res.headers.get('retry-after')));
        vi.advanceTimersByTime(Number(res.headers.get('retry-after')) * 1000);
        await signIn('buyer@acme.test', 'x', '203.0.113.70');
      }
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 60].slice(0, waits.length));
    expect(waits.length).toBeGreaterThan(3);
  });
});

describe('guesses sent at once', () => {
  const tally = (statuses: number[]) => {
    const counts: Record<number, number> = {};
    for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
    return counts;
  };
  const failedSignIns = async (email: string) =>
    (await rowsWhere(t.ts, 'auditEvents', { type: 'auth.sign_in.failed' })).filter((e) =>
      JSON.stringify(e.details).includes(email),
    );

  it('for one account from many addresses are checked no more often than its budget allows', async () => {
    const before = rules.signInAccount.block - 10;
    await failures(
      before,
      () => 'buyer@acme.test',
      (i) => `10.${i >> 8}.${i & 255}.1`,
    );
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => signIn('buyer@acme.test', 'guess', `10.8.${i}.1`)),
    );
    expect(tally(answers.map((res) => res.status))).toEqual({ 401: 10, 429: 20 });
    expect(await failedSignIns('buyer@acme.test')).toHaveLength(10);
  });

  it('for one account from one address never pass the hard stop, and then wait', async () => {
    const answers = await Promise.all(
      Array.from({ length: rules.signInPair.block + 10 }, () =>
        signIn('buyer@acme.test', 'guess', '203.0.113.80'),
      ),
    );
    // At most the hard stop is checked (fewer when the first failures' waits come first).
    const checked = answers.filter((res) => res.status === 401).length;
    expect(checked).toBeLessThanOrEqual(rules.signInPair.block);
    expect(answers.filter((res) => res.status === 429).length).toBe(answers.length - checked);
    expect(checked).toBeGreaterThan(rules.signInPair.free);
    // Even the right password, from there, waits.
    expect((await signIn('buyer@acme.test', 'demo-password', '203.0.113.80')).status).toBe(429);
  });

  it('right passwords sent at once for one account from one address are never refused', async () => {
    const answers = await Promise.all(
      Array.from({ length: 3 * rules.signInPair.free }, () =>
        signIn('buyer@acme.test', 'demo-password', '203.0.113.79'),
      ),
    );
    expect(tally(answers.map((res) => res.status))).toEqual({ 200: 3 * rules.signInPair.free });
  });

  it('a place given back after its hour ended gives the next hour no free failures', async () => {
    // Sixty checks of one account held open across the hour's end (a long password line),
    // each of whose clients then leaves: their places go back, but into which hour?
    const leave: (() => void)[] = [];
    const held = Array.from({ length: 60 }, (_, i) =>
      t.deps.limiters
        .checkingPassword(
          'buyer@acme.test',
          `10.7.${i}.1`,
          () => new Promise<string>((_, reject) => leave.push(() => reject(new Error('left')))),
          () => true,
        )
        .catch(() => undefined),
    );
    while (leave.length < held.length) await new Promise((resolve) => setImmediate(resolve));
    vi.advanceTimersByTime(60 * 60 * 1000 + 1000);
    for (const goes of leave) goes();
    await Promise.all(held);
    // The new hour's budget, and not one failure more.
    await failures(
      rules.signInAccount.block,
      () => 'buyer@acme.test',
      (i) => `10.${i >> 8}.${i & 255}.3`,
    );
    expect((await signIn('buyer@acme.test', 'guess', '10.6.0.1')).status).toBe(429);
  });

  it('a right password gives its place back: a hundred right sign-ins spend nothing', async () => {
    for (let i = 0; i < rules.signInAccount.block + 1; i++) {
      await t.deps.limiters.checkingPassword(
        'buyer@acme.test',
        '203.0.113.81',
        async () => 'right',
        () => false,
      );
    }
    expect((await signIn('buyer@acme.test', 'demo-password', '203.0.113.81')).status).toBe(200);
  });
});

describe('changing a password', () => {
  const change = (token: string, currentPassword: string, address: string) =>
    t.call('PUT', '/api/public/account/password', {
      token,
      body: { currentPassword, newPassword: 'a-new-long-passphrase' },
      headers: from(address),
    });

  it('checks the current password against the account’s budget, and audits a wrong one', async () => {
    const { token } = await t.signIn('member@acme.test');
    await failures(
      rules.signInAccount.block - 1,
      () => 'member@acme.test',
      (i) => `10.${i >> 8}.${i & 255}.2`,
    );
    const wrong = await change(token, 'guess', '203.0.113.90');
    expect(wrong.status).toBe(400);
    const refused = await change(token, 'demo-password', '203.0.113.91');
    expect(refused.status).toBe(429);
    // The account waits out the hour at the door too.
    expect((await signIn('member@acme.test', 'demo-password', '203.0.113.92')).status).toBe(429);
    const audited = await rowsWhere(t.ts, 'auditEvents', {
      type: 'account.password_change_failed',
    });
    expect(audited.map((e) => e.actorUserId)).toEqual([ids.userId('member@acme.test')]);
  });

  it('guesses sent at once by one session never pass a sign-in’s hard stop', async () => {
    const { token } = await t.signIn('member@acme.test');
    const answers = await Promise.all(
      Array.from({ length: rules.signInPair.block + 10 }, () =>
        change(token, 'guess', '203.0.113.93'),
      ),
    );
    const checked = answers.filter((res) => res.status === 400).length;
    expect(checked).toBeLessThanOrEqual(rules.signInPair.block);
    expect(checked).toBeGreaterThan(rules.signInPair.free);
    expect(answers.filter((res) => res.status === 429).length).toBe(answers.length - checked);
  });
});

describe('link and token limits count guesses, not real credentials', () => {
  it('unknown secrets are slowed down per address; a real but expired link is not a guess', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    await t
      .client(ops.token)
      .sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test'), expiresInMinutes: 1 });
    const link = new URL(t.latestMail('buyer@acme.test').url ?? '');
    const [, , userId, hash] = link.pathname.split('/');
    t.clock.advance(2 * 60_000);
    const preview = (body: unknown, address: string) =>
      t.call('POST', '/api/public/auth/one-click/preview', { body, headers: from(address) });
    for (let i = 0; i < rules.guessAddress.free + 10; i++) {
      const res = await preview({ userId: Number(userId), hash }, '203.0.113.80');
      expect(res.json).toMatchObject({ status: 'expired' });
    }
    for (let i = 0; i <= rules.guessAddress.free; i++) {
      const res = await preview({ userId: 1, hash: 'A'.repeat(43) }, '203.0.113.81');
      expect(res.status).toBe(200);
    }
    const slowed = await preview({ userId: 1, hash: 'A'.repeat(43) }, '203.0.113.81');
    expect(slowed.status).toBe(429);
    const token = await t.call('POST', '/api/public/auth/login-token/preview', {
      body: { token: `1.${'B'.repeat(43)}` },
      headers: from('203.0.113.81'),
    });
    expect(token.status).toBe(429);
    // Another address is not slowed down by this one's guesses.
    expect((await preview({ userId: 1, hash: 'A'.repeat(43) }, '203.0.113.82')).status).toBe(200);
  });

  it('guesses sent at once from one address never pass its hard stop', async () => {
    const sent = rules.guessAddress.block + 30;
    const statuses = await Promise.all(
      Array.from({ length: sent }, async (_, i) => {
        const body = { token: `${i + 1}.${'E'.repeat(43)}` };
        const res = await t.call('POST', '/api/public/auth/login-token/preview', {
          body,
          headers: from('203.0.113.84'),
        });
        return res.status;
      }),
    );
    // At most the hard stop is looked up (fewer when the first guesses' waits come first).
    const looked = statuses.filter((s) => s === 200).length;
    expect(looked).toBeLessThanOrEqual(rules.guessAddress.block);
    expect(looked).toBeGreaterThan(rules.guessAddress.free);
    expect(statuses.filter((s) => s === 429).length).toBe(sent - looked);
  });

  it('real links opened at once from one office are never held back as guesses', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const made = await t.client(ops.token).sys.oneClickLink({
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'Checking the invoice view',
    });
    const [, , userId, hash] = new URL(made.url).pathname.split('/');
    const statuses = await Promise.all(
      Array.from({ length: 3 * rules.guessAddress.free }, async () => {
        const res = await t.call('POST', '/api/public/auth/one-click/preview', {
          body: { userId: Number(userId), hash },
          headers: from('203.0.113.85'),
        });
        return res.status;
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('a deleted token takes no more guesses than an unknown one: its secret is gone', async () => {
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    const { id } = await ops.loginTokens.create({
      subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
      expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      use: 'integration',
    });
    await ops.loginTokens.remove(id);
    const redeem = (secret: string) =>
      t.call('POST', '/api/public/auth/login-token', {
        body: { token: `${id}.${secret}` },
        headers: from('203.0.113.83'),
      });
    for (let i = 0; i <= rules.guessAddress.free; i++) {
      expect((await redeem(`${i}`.padStart(43, 'C'))).status).toBe(410);
    }
    expect((await redeem('D'.repeat(43))).status).toBe(429);
  });
});

describe('writes a signed-in person leaves rows with', () => {
  it('hand-offs asked for are counted per person: 60 in 15 minutes free, then slowed down; another admin is not', async () => {
    const admin = (await t.signIn('admin@acme.test')).token;
    const owner = (await t.signIn('owner@acme.test')).token;
    const buyer = ids.profileId('buyer@acme.test');
    const ask = (token: string) =>
      t
        .client(token)
        .impersonation.teamHandoff(buyer, 'checking')
        .then(
          () => 'ok',
          (error: { status: number }) => error.status,
        );
    for (let i = 0; i <= rules.handoffRequests.free; i++) expect(await ask(admin)).toBe('ok');
    const before = await rowsWhere(t.ts, 'impersonations', {});
    expect(await ask(admin)).toBe(429);
    // Nothing was written for the refused one.
    expect(await rowsWhere(t.ts, 'impersonations', {})).toHaveLength(before.length);
    expect(await ask(owner)).toBe('ok');
    vi.advanceTimersByTime(15 * 60 * 1000);
    expect(await ask(admin)).toBe('ok');
  });

  it('profile switches are counted per person, whichever session asks', async () => {
    let token = (await t.signIn('member@acme.test')).token;
    const profiles = [
      ids.profileId('member@acme.test', 'Acme Corp'),
      ids.profileId('member@acme.test', 'Globex Inc'),
    ];
    for (let i = 0; i <= rules.profileSwitches.free; i++) {
      token = (await t.client(token).profiles.switchTo(profiles[i % 2] as number)).token ?? '';
    }
    // A fresh sign-in is the same person: still slowed down.
    const again = (await t.signIn('member@acme.test')).token;
    await expect(t.client(again).profiles.switchTo(profiles[0] as number)).rejects.toMatchObject({
      status: 429,
    });
  });
});
