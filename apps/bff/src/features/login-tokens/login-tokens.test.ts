import { beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

const inDays = (days: number) => new Date(t.clock.now() + days * 86_400_000).toISOString();

async function create(body: Record<string, unknown> = {}) {
  const res = await t.call('POST', '/api/sys/login-tokens', {
    token: ops,
    body: {
      subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
      expiresAt: inDays(7),
      // A punch-out's token: Acme allows integrations, and the buyer has no team rights.
      use: 'integration',
      ...body,
    },
  });
  expect(res.status).toBe(201);
  return res.json as { id: number; token: string; url: string };
}

const redeem = (token: string) =>
  t.call('POST', '/api/public/auth/login-token', { body: { token } });
const details = async (id: number) =>
  (await t.call('GET', `/api/sys/login-tokens/${id}`, { token: ops })).json;

describe('login tokens', () => {
  it('answer with exactly the session the new token then reports', async () => {
    const res = await redeem((await create()).token);
    expect(res.status).toBe(200);
    const now = await t.call('GET', '/api/public/auth/session', { token: res.json.token });
    expect(res.json.session).toEqual(now.json.session);
    expect(res.json.session.activeProfile).not.toBeNull();
  });

  it('is one-time by default: one success, then refused, and the counts add up', async () => {
    const created = await create();
    expect(created.url).toBe(`http://portal.test/login?token=${encodeURIComponent(created.token)}`);
    const first = await redeem(created.token);
    expect(first.status).toBe(200);
    expect(first.json.session).toMatchObject({
      method: 'login_token',
      user: { email: 'buyer@acme.test' },
      activeProfile: { Id: ids.profileId('buyer@acme.test') },
    });
    const again = await redeem(created.token);
    expect(again.json.error.code).toBe('link_used');
    const d = await details(created.id);
    expect(d.token).toMatchObject({
      successfulAttempts: 1,
      failedAttempts: 1,
      state: 'used',
      oneTimeUse: true,
    });
    expect(d.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['used', 'success']);
  });

  it('50 concurrent redemptions of a one-time token: exactly one session, counters exact', async () => {
    const created = await create();
    const results = await Promise.all(Array.from({ length: 50 }, () => redeem(created.token)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const d = await details(created.id);
    expect(d.token.successfulAttempts).toBe(1);
    expect(d.token.failedAttempts).toBe(49);
    expect(d.attempts).toHaveLength(50);
  });

  it('a reusable token used 5 times gives 5 sessions and 5 successful attempts', async () => {
    const created = await create({ oneTimeUse: false });
    const sessions = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const res = await redeem(created.token);
      expect(res.status).toBe(200);
      sessions.add(res.json.session.id);
    }
    expect(sessions.size).toBe(5);
    expect((await details(created.id)).token).toMatchObject({
      successfulAttempts: 5,
      failedAttempts: 0,
      state: 'active',
    });
  });

  it('counts expired, deleted and wrong-secret attempts as failed', async () => {
    const expiring = await create({ expiresAt: inDays(1) });
    t.clock.advance(86_400_000);
    ops = (await t.signIn('ops@onbehalf.test')).token;
    expect((await redeem(expiring.token)).json.error.code).toBe('link_expired');
    expect((await details(expiring.id)).token.failedAttempts).toBe(1);

    const wrong = await create();
    const forged = `${wrong.id}.${'B'.repeat(43)}`;
    expect((await redeem(forged)).json.error.code).toBe('link_invalid');
    expect((await details(wrong.id)).token.failedAttempts).toBe(1);

    const deleted = await create();
    expect(
      (await t.call('DELETE', `/api/sys/login-tokens/${deleted.id}`, { token: ops })).status,
    ).toBe(200);
    expect((await redeem(deleted.token)).json.error.code).toBe('link_revoked');
    const d = await details(deleted.id);
    expect(d.token).toMatchObject({ failedAttempts: 1, state: 'deleted' });
    expect(d.attempts[0].outcome).toBe('deleted');
  });

  it('an anonymous token signs in a guest with no user and no customer data', async () => {
    const created = await create({ subject: { type: 'anonymous' }, use: undefined });
    const res = await redeem(created.token);
    expect(res.status).toBe(200);
    expect(res.json.session).toMatchObject({ user: null, activeProfile: null, permissions: [] });
    const orders = await t.call('GET', '/api/public/orders', { token: res.json.token });
    expect(orders.status).toBe(403);
    expect((await details(created.id)).token.type).toBe('Anonymous');
  });

  it('preview says whose account it is without redeeming; a dead token counts a failure', async () => {
    const created = await create();
    const seen = await t.call('POST', '/api/public/auth/login-token/preview', {
      body: { token: created.token },
    });
    expect(seen.json).toMatchObject({
      status: 'valid',
      account: { name: 'Ben Brooks', organizationName: 'Acme Corp' },
    });
    expect((await details(created.id)).token).toMatchObject({
      successfulAttempts: 0,
      failedAttempts: 0,
    });
    await redeem(created.token);
    const after = await t.call('POST', '/api/public/auth/login-token/preview', {
      body: { token: created.token },
    });
    expect(after.json.status).toBe('used');
    expect((await details(created.id)).token.failedAttempts).toBe(1);
  });

  it('lists with every column, searches and filters by state', async () => {
    const active = await create({ extra: 'OCI punch-out, plant 7' });
    const used = await create();
    await redeem(used.token);
    const all = await t.call('GET', '/api/sys/login-tokens', { token: ops });
    expect(all.json.tokens[0]).toMatchObject({
      name: 'Ben Brooks',
      type: 'Contact',
      oneTimeUse: true,
      successfulAttempts: 1,
      failedAttempts: 0,
      createdBy: 'Omar Haddad',
    });
    const byExtra = await t.call('GET', '/api/sys/login-tokens?query=plant%207', { token: ops });
    expect(byExtra.json.tokens.map((x: { id: number }) => x.id)).toEqual([active.id]);
    const usedOnly = await t.call('GET', '/api/sys/login-tokens?state=used', { token: ops });
    expect(usedOnly.json.tokens.map((x: { id: number }) => x.id)).toEqual([used.id]);
    const wildcard = await t.call('GET', '/api/sys/login-tokens?query=%25', { token: ops });
    expect(wildcard.json.tokens).toEqual([]);
  });

  it('validates the expiry and the subject', async () => {
    const past = await t.call('POST', '/api/sys/login-tokens', {
      token: ops,
      body: {
        subject: { type: 'anonymous' },
        expiresAt: new Date(t.clock.now() - 1000).toISOString(),
      },
    });
    expect(past.status).toBe(400);
    const operatorProfile = await t.call('POST', '/api/sys/login-tokens', {
      token: ops,
      body: {
        subject: { type: 'profile', profileId: 999_999 },
        expiresAt: inDays(1),
        use: 'integration',
      },
    });
    expect(operatorProfile.status).toBe(404);
  });

  it('needs login-tokens:manage', async () => {
    const support = await t.signIn('support@onbehalf.test');
    expect((await t.call('GET', '/api/sys/login-tokens', { token: support.token })).status).toBe(
      403,
    );
  });

  it('malformed tokens of every shape: redemption is 4xx, preview says invalid, never 500', async () => {
    const shapes = [
      '',
      '.',
      '1.',
      '.abc',
      'abc',
      '1.short',
      `99999999999999999999.${'a'.repeat(43)}`,
      `-1.${'a'.repeat(43)}`,
      'x'.repeat(300),
      '1.2.3',
      '%00',
      '１.２',
    ];
    for (const token of shapes) {
      const res = await redeem(token);
      expect(res.status, token).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const seen = await t.call('POST', '/api/public/auth/login-token/preview', {
        body: { token },
      });
      expect(seen.status === 400 || seen.json.status === 'invalid', token).toBe(true);
    }
  });
});

describe('API keys', () => {
  async function keyWith(scopes: string[], organizations = ['Acme Corp']) {
    const root = await t.signIn('root@onbehalf.test');
    const res = await t.call('POST', '/api/sys/api-keys', {
      token: root.token,
      body: { name: 'ERP', scopes, organizationIds: organizations.map(ids.organizationId) },
    });
    expect(res.status).toBe(201);
    return { secret: res.json.secret as string, id: res.json.key.id as string, root: root.token };
  }

  it('an integration creates one-click links and login tokens with a scoped key', async () => {
    const { secret } = await keyWith(['one-click-links:create', 'login-tokens:manage']);
    const link = await t.call('POST', '/api/sys/one-click-links', {
      token: secret,
      body: { userId: ids.userId('buyer@acme.test'), delivery: 'handover' },
    });
    expect(link.status).toBe(201);
    expect(link.json.url).toMatch(/\/one-click\//);
    const token = await t.call('POST', '/api/sys/login-tokens', {
      token: secret,
      body: { subject: { type: 'anonymous' }, expiresAt: inDays(1) },
    });
    expect(token.status).toBe(201);
  });

  it('scopes are enforced', async () => {
    const { secret } = await keyWith(['users:read']);
    const link = await t.call('POST', '/api/sys/one-click-links', {
      token: secret,
      body: { userId: ids.userId('buyer@acme.test') },
    });
    expect(link.status).toBe(403);
    expect((await t.call('GET', '/api/sys/login-tokens', { token: secret })).status).toBe(403);
    // Only the backoffice API accepts keys; and never the routes meant for people.
    expect((await t.call('GET', '/api/public/auth/session', { token: secret })).status).toBe(401);
    expect((await t.call('GET', '/api/sys/settings', { token: secret })).status).toBe(403);
  });

  it('users:read lets an integration search the directory, impersonating no one', async () => {
    const { secret } = await keyWith(['users:read']);
    const found = await t.call('GET', '/api/sys/users?query=buyer%40acme.test', { token: secret });
    expect(found.status).toBe(200);
    expect(found.json.users).toHaveLength(1);
    expect(found.json.users[0]).toMatchObject({
      email: 'buyer@acme.test',
      impersonation: { allowed: false, reason: 'no_permission' },
    });
    // Only the people of its organizations: Sam Solo's is not one of them.
    const outside = await t.call('GET', '/api/sys/users?query=solo', { token: secret });
    expect(outside.json.users).toEqual([]);
    const other = await keyWith(['login-tokens:manage']);
    const refused = await t.call('GET', '/api/sys/users', { token: other.secret });
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toContain('users:read');
  });

  it('are shown once, stored hashed, record last use, and stop working when revoked', async () => {
    const { secret, id, root } = await keyWith(['login-tokens:manage']);
    const stored = t.sqlite.prepare('SELECT * FROM api_keys').all();
    expect(JSON.stringify(stored)).not.toContain(secret.split('_').pop());
    t.clock.advance(5000);
    await t.call('GET', '/api/sys/login-tokens', { token: secret });
    const listed = await t.call('GET', '/api/sys/api-keys', { token: root });
    expect(listed.json.keys[0]).toMatchObject({
      id,
      lastUsedAt: new Date(t.clock.now()).toISOString(),
    });
    expect(listed.json.keys[0]).not.toHaveProperty('secret');
    await t.call('DELETE', `/api/sys/api-keys/${id}`, { token: root });
    expect((await t.call('GET', '/api/sys/login-tokens', { token: secret })).status).toBe(401);
  });

  it('only api-keys:manage may create them', async () => {
    const res = await t.call('POST', '/api/sys/api-keys', {
      token: ops,
      body: { name: 'x', scopes: ['users:read'], organizationIds: [1] },
    });
    expect(res.status).toBe(403);
  });
});
