import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { loginAttempts } from '../../db/schema/login-links.ts';
import { users } from '../../db/schema/users.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

/** An operator emails a link (the default); the test reads it as its recipient would. */
async function issue(email = 'buyer@acme.test', body: Record<string, unknown> = {}) {
  const res = await t.call('POST', '/api/sys/one-click-links', {
    token: ops,
    body: { userId: ids.userId(email), ...body },
  });
  expect(res.status).toBe(202);
  const url = t.latestMail(email).url ?? '';
  const [, , userId, hash] = new URL(url).pathname.split('/');
  return { url, body: { userId: Number(userId), hash: hash as string } };
}

const preview = (body: unknown) => t.call('POST', '/api/public/auth/one-click/preview', { body });
const redeem = (body: unknown, init: { cookie?: string } = {}) =>
  t.call('POST', '/api/public/auth/one-click', { body, ...init });

describe('one-click links', () => {
  it('are emailed by default: the answer says where, never the link; the mail has it, from PUBLIC_ORIGIN', async () => {
    const res = await t.call('POST', '/api/sys/one-click-links', {
      token: ops,
      body: { userId: ids.userId('buyer@acme.test') },
      headers: { host: 'evil.example' },
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ sentTo: 'b•••@acme.test', expiresAt: expect.any(String) });
    expect(res.text).not.toMatch(/one-click\//);
    expect(Date.parse(res.json.expiresAt) - t.clock.now()).toBe(15 * 60_000);
    expect(t.latestMail('buyer@acme.test').url).toMatch(
      /^http:\/\/portal\.test\/one-click\/\d+\/[\w-]{43}$/,
    );
  });

  it('opening (preview) never consumes the link; Continue does, exactly once', async () => {
    const { body } = await issue();
    for (let i = 0; i < 3; i++) {
      const seen = await preview(body);
      expect(seen.json).toMatchObject({
        status: 'valid',
        account: { name: 'Ben Brooks', email: 'b•••@acme.test' },
      });
    }
    const first = await redeem(body);
    expect(first.status).toBe(200);
    expect(first.json.session).toMatchObject({
      method: 'one_click',
      user: { email: 'buyer@acme.test' },
    });
    expect(first.headers.get('set-cookie')).toMatch(/ob_session=/);
    const again = await redeem(body);
    expect(again.status).toBe(410);
    expect(again.json.error.code).toBe('link_used');
    expect((await preview(body)).json.status).toBe('used');
  });

  it('50 concurrent redemptions yield exactly one session', async () => {
    const { body } = await issue();
    const results = await Promise.all(Array.from({ length: 50 }, () => redeem(body)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 410)).toHaveLength(49);
    const attempts = t.db.select().from(loginAttempts).all();
    expect(attempts.filter((a) => a.outcome === 'success')).toHaveLength(1);
    expect(attempts.filter((a) => a.outcome === 'used')).toHaveLength(49);
  });

  it('expired, forged and unknown links each get their own answer, and each attempt is logged', async () => {
    const { body } = await issue();
    const forgedUser = await redeem({ ...body, userId: ids.userId('owner@acme.test') });
    expect(forgedUser.json.error.code).toBe('link_invalid');
    const forgedHash = await redeem({ ...body, hash: 'A'.repeat(43) });
    expect(forgedHash.json.error.code).toBe('link_invalid');
    t.clock.advance(15 * 60_000);
    const expired = await redeem(body);
    expect(expired.status).toBe(410);
    expect(expired.json.error.code).toBe('link_expired');
    const outcomes = t.db
      .select()
      .from(loginAttempts)
      .all()
      .map((a) => a.outcome);
    expect(outcomes).toEqual(['invalid', 'invalid', 'expired']);
    expect(
      t.db
        .select()
        .from(loginAttempts)
        .all()
        .every((a) => a.at > 0),
    ).toBe(true);
  });

  it('honours a per-link lifetime within the global maximum', async () => {
    const { body } = await issue('buyer@acme.test', { expiresInMinutes: 5 });
    t.clock.advance(5 * 60_000);
    expect((await redeem(body)).json.error.code).toBe('link_expired');
    const tooLong = await t.call('POST', '/api/sys/one-click-links', {
      token: ops,
      body: { userId: ids.userId('buyer@acme.test'), expiresInMinutes: 600 },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.json.error.code).toBe('validation_failed');
  });

  it('is refused after the user is disabled or changes their password', async () => {
    const a = await issue();
    const b = await issue();
    t.db.update(users).set({ status: 'disabled' }).where(eq(users.email, 'buyer@acme.test')).run();
    expect((await redeem(a.body)).status).toBeGreaterThanOrEqual(400);
    t.db.update(users).set({ status: 'active' }).where(eq(users.email, 'buyer@acme.test')).run();
    const buyer = await t.signIn('buyer@acme.test');
    const changed = await t.call('PUT', '/api/public/account/password', {
      token: buyer.token,
      body: { currentPassword: 'demo-password', newPassword: 'an-entirely-new-password' },
    });
    expect(changed.status).toBe(200);
    const res = await redeem(b.body);
    expect(res.status).toBe(410);
    expect(res.json.error.code).toBe('link_revoked');
  });

  it('are for customers only, and need the permission', async () => {
    const toOperator = await t.call('POST', '/api/sys/one-click-links', {
      token: ops,
      body: { userId: ids.userId('root@onbehalf.test') },
    });
    expect(toOperator.status).toBe(403);
    const support = await t.signIn('support@onbehalf.test');
    const res = await t.call('POST', '/api/sys/one-click-links', {
      token: support.token,
      body: { userId: ids.userId('buyer@acme.test') },
    });
    expect(res.status).toBe(403);
  });

  it('answer with exactly the session the new token then reports, with one profile or several', async () => {
    for (const email of ['buyer@acme.test', 'member@acme.test']) {
      const { body } = await issue(email);
      const res = await redeem(body);
      expect(res.status).toBe(200);
      const now = await t.call('GET', '/api/public/auth/session', { token: res.json.token });
      expect(res.json.session).toEqual(now.json.session);
    }
    const severalProfiles = await redeem((await issue('member@acme.test')).body);
    expect(severalProfiles.json.session).toMatchObject({ activeProfile: null, needsProfile: true });
  });

  it('replace a session the browser already had', async () => {
    const owner = await t.signIn('owner@acme.test');
    const { body } = await issue();
    const res = await redeem(body, { cookie: `ob_session=${owner.token}` });
    expect(res.json.session.user.email).toBe('buyer@acme.test');
    expect((await t.call('GET', '/api/public/auth/session', { token: owner.token })).status).toBe(
      401,
    );
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
      for (const res of [await preview(body), await redeem(body)]) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }
    }
  });
});

describe('the database holds no usable secret', () => {
  it('a file copy of the database contains no link, token or session secret, outbox included', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-secrets-'));
    const link = await issue();
    const token = (use: string) =>
      t.call('POST', '/api/sys/login-tokens', {
        token: ops,
        body: {
          subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
          expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
          use,
        },
      });
    const handedOver = await token('integration');
    expect((await token('email')).status).toBe(202);
    const emailed = new URL(t.latestMail('buyer@acme.test').url ?? '').searchParams.get('token');
    const session = await t.signIn('buyer@acme.test');
    const file = path.join(dir, 'copy.db');
    await t.sqlite.backup(file);
    const bytes = readFileSync(file).toString('latin1');
    rmSync(dir, { recursive: true, force: true });
    const secrets = [
      link.body.hash,
      handedOver.json.token.split('.')[1],
      emailed?.split('.')[1] ?? '',
      session.token,
    ];
    // The outbox keeps the messages, with their links sealed.
    expect(t.sqlite.prepare('SELECT count(*) AS n FROM outbox_messages').get()).toEqual({ n: 2 });
    for (const value of secrets) {
      expect(value.length).toBeGreaterThanOrEqual(43);
      expect(bytes).not.toContain(value);
    }
  });
});
