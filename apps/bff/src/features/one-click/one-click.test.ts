import {
  type CreateOneClickLinkBody,
  type OneClickBody,
  sentCredentialResponse,
} from '@onbehalf/contracts/login-links';
import { beforeEach, describe, expect, it } from 'vitest';
import { rowsOf, rowsWhere, updateRows } from '../../store/test-rows.ts';
import { createTestApp, demoIds, refusal, type TestApp } from '../../test/harness.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

/** An operator emails a link (the default); the test reads it as its recipient would. */
async function issue(
  email = 'buyer@acme.test',
  body: Omit<CreateOneClickLinkBody, 'userId' | 'delivery'> = {},
) {
  const sent = await t.client(ops).sys.emailOneClickLink({ userId: ids.userId(email), ...body });
  // What only the 202 of an emailed link carries: where it went, never the link.
  expect(sent).toEqual({ sentTo: expect.any(String), expiresAt: expect.any(String) });
  const url = t.latestMail(email).url ?? '';
  const [, , userId, hash] = new URL(url).pathname.split('/');
  return { url, body: { userId: Number(userId), hash: hash as string } };
}

const preview = (body: OneClickBody) => t.client().links.previewOneClick(body);
const redeem = (body: OneClickBody) => t.client().links.redeemOneClick(body);

describe('one-click links', () => {
  it('are emailed by default: the answer says where, never the link; the mail has it, from PUBLIC_ORIGIN', async () => {
    // Raw: a forged Host header, the exact status and the whole body.
    const res = await t.call('POST', '/api/sys/one-click-links', {
      token: ops,
      body: { userId: ids.userId('buyer@acme.test') },
      headers: { host: 'evil.example' },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ sentTo: 'b•••@acme.test', expiresAt: expect.any(String) });
    expect(res.text).not.toMatch(/one-click\//);
    const { expiresAt } = sentCredentialResponse.parse(res.json);
    expect(Date.parse(expiresAt) - t.clock.now()).toBe(15 * 60_000);
    expect(t.latestMail('buyer@acme.test').url).toMatch(
      /^http:\/\/portal\.test\/one-click\/\d+\/[\w-]{43}$/,
    );
  });

  it('opening (preview) never consumes the link; Continue does, exactly once', async () => {
    const { body } = await issue();
    for (let i = 0; i < 3; i++) {
      const seen = await preview(body);
      expect(seen).toMatchObject({
        status: 'valid',
        account: { name: 'Ben Brooks', email: 'b•••@acme.test' },
      });
    }
    // Raw: the session cookie comes back in a response header.
    const first = await t.call('POST', '/api/public/auth/one-click', { body });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      session: { method: 'one_click', user: { email: 'buyer@acme.test' } },
    });
    expect(first.headers.get('set-cookie')).toMatch(/ob_session=/);
    await expect(redeem(body)).rejects.toMatchObject({ status: 410, code: 'link_used' });
    expect((await preview(body)).status).toBe('used');
  });

  it('50 concurrent redemptions yield exactly one session', async () => {
    const { body } = await issue();
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => redeem(body)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason?.status === 410)).toHaveLength(
      49,
    );
    // The used link opened again is recorded and audited once in the minute, the rest counted
    // (SPEC §8b).
    const attempts = await rowsOf(t.ts, 'loginAttempts');
    expect(attempts.filter((a) => a.outcome === 'success')).toHaveLength(1);
    expect(attempts.filter((a) => a.outcome === 'used')).toHaveLength(1);
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'one_click.failed' })).toHaveLength(1);
    // Counted per connection on PostgreSQL: the minute's rows together.
    const repeats = await rowsWhere(t.ts, 'auditRepeats', { type: 'one_click.failed' });
    expect(repeats.reduce((n, row) => n + row.count, 0)).toBe(49);
  });

  it('expired, forged and unknown links each get their own answer, and the attempts are logged', async () => {
    const { body } = await issue();
    const forgedUser = await refusal(redeem({ ...body, userId: ids.userId('owner@acme.test') }));
    expect(forgedUser.code).toBe('link_invalid');
    // A minute later: a caller's guesses within one minute are written once and counted.
    t.clock.advance(60_000);
    const forgedHash = await refusal(redeem({ ...body, hash: 'A'.repeat(43) }));
    expect(forgedHash.code).toBe('link_invalid');
    t.clock.advance(14 * 60_000);
    await expect(redeem(body)).rejects.toMatchObject({ status: 410, code: 'link_expired' });
    const outcomes = (await rowsOf(t.ts, 'loginAttempts')).map((a) => a.outcome);
    expect(outcomes).toEqual(['invalid', 'invalid', 'expired']);
    expect((await rowsOf(t.ts, 'loginAttempts')).every((a) => a.at > 0)).toBe(true);
  });

  it('honours a per-link lifetime within the global maximum', async () => {
    const { body } = await issue('buyer@acme.test', { expiresInMinutes: 5 });
    t.clock.advance(5 * 60_000);
    expect((await refusal(redeem(body))).code).toBe('link_expired');
    await expect(
      t
        .client(ops)
        .sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test'), expiresInMinutes: 600 }),
    ).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('is refused after the user is disabled or changes their password', async () => {
    const a = await issue();
    const b = await issue();
    await updateRows(t.ts, 'users', { status: 'disabled' }, { email: 'buyer@acme.test' });
    expect((await refusal(redeem(a.body))).status).toBeGreaterThanOrEqual(400);
    await updateRows(t.ts, 'users', { status: 'active' }, { email: 'buyer@acme.test' });
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.changePassword({
      currentPassword: 'demo-password',
      newPassword: 'an-entirely-new-password',
    });
    await expect(redeem(b.body)).rejects.toMatchObject({ status: 410, code: 'link_revoked' });
  });

  it('are for customers only, and need the permission', async () => {
    await expect(
      t.client(ops).sys.emailOneClickLink({ userId: ids.userId('root@onbehalf.test') }),
    ).rejects.toMatchObject({ status: 403 });
    const support = await t.signIn('support@onbehalf.test');
    await expect(
      t.client(support.token).sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('answer with exactly the session the new token then reports, with one profile or several', async () => {
    for (const email of ['buyer@acme.test', 'member@acme.test']) {
      const { body } = await issue(email);
      const signedIn = await redeem(body);
      const now = await t.client(signedIn.token).auth.session();
      expect(signedIn.session).toEqual(now.session);
    }
    const severalProfiles = await redeem((await issue('member@acme.test')).body);
    expect(severalProfiles.session).toMatchObject({ activeProfile: null, needsProfile: true });
  });

  it('replace a session the browser already had', async () => {
    const owner = await t.signIn('owner@acme.test');
    const { body } = await issue();
    // Raw: the browser's session comes in its cookie.
    const res = await t.call('POST', '/api/public/auth/one-click', {
      body,
      cookie: `ob_session=${owner.token}`,
    });
    expect(res.json).toMatchObject({ session: { user: { email: 'buyer@acme.test' } } });
    await expect(t.client(owner.token).auth.session()).rejects.toMatchObject({ status: 401 });
  });

  it('a user id of another JSON type is a 400 and uses nothing, even with the right secret', async () => {
    const { body } = await issue();
    for (const userId of [[body.userId], String(body.userId), true]) {
      const res = await t.call('POST', '/api/public/auth/one-click', {
        body: { userId, hash: body.hash },
      });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { code: 'validation_failed' } });
    }
    // Still unused: the link opens once, with its id as a number.
    expect((await redeem(body)).session.user?.email).toBe('buyer@acme.test');
  });

  it('malformed bodies of every shape are 4xx, never 500', async () => {
    const shapes = [
      {},
      { userId: 'x', hash: 1 },
      { userId: -1, hash: 'a' },
      { userId: 1, hash: '' },
      { userId: 1, hash: 'x'.repeat(5000) },
      { userId: 1e30, hash: 'abc' },
    ];
    for (const body of shapes) {
      for (const res of [
        await t.call('POST', '/api/public/auth/one-click/preview', { body }),
        await t.call('POST', '/api/public/auth/one-click', { body }),
      ]) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
  });
});
