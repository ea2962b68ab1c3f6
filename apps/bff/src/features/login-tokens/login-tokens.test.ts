import type { CreateLoginTokenBody } from '@onbehalf/contracts/login-links';
import type { ApiKeyScope } from '@onbehalf/contracts/permissions';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseApiKeyToken } from '../../lib/api-key-format.ts';
import { countOf, rowsOf, rowsWhere, updateRows } from '../../store/test-rows.ts';
import { createTestApp, demoIds, outcomeOf, refusal, type TestApp } from '../../test/harness.ts';
import { TOKEN_SEARCH_IDS } from './login-tokens.store.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

const inDays = (days: number) => new Date(t.clock.now() + days * 86_400_000).toISOString();

/** What only the 201 of a handed-over token carries: its secret and URL. */
const handedOver = { id: expect.any(Number), token: expect.any(String), url: expect.any(String) };

async function create(body: Partial<CreateLoginTokenBody> = {}) {
  const created = await t.client(ops).loginTokens.create({
    subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
    expiresAt: inDays(7),
    // A punch-out's token: Acme allows integrations, and the buyer has no team rights.
    use: 'integration',
    ...body,
  });
  expect(created).toEqual(handedOver);
  return created;
}

const redeem = (token: string) => t.client().links.redeemLoginToken(token);
const details = (id: number) => t.client(ops).loginTokens.details(id);

describe('login tokens', () => {
  it('answer with exactly the session the new token then reports', async () => {
    const signedIn = await redeem((await create()).token);
    const now = await t.client(signedIn.token).auth.session();
    expect(signedIn.session).toEqual(now.session);
    expect(signedIn.session.activeProfile).not.toBeNull();
  });

  it('is one-time by default: one success, then refused, and the counts add up', async () => {
    const created = await create();
    expect(created.url).toBe(`http://portal.test/login?token=${encodeURIComponent(created.token)}`);
    const first = await redeem(created.token);
    expect(first.session).toMatchObject({
      method: 'login_token',
      user: { email: 'buyer@acme.test' },
      activeProfile: { Id: ids.profileId('buyer@acme.test') },
    });
    expect((await refusal(redeem(created.token))).code).toBe('link_used');
    const d = await details(created.id);
    expect(d.token).toMatchObject({
      successfulAttempts: 1,
      failedAttempts: 1,
      state: 'used',
      oneTimeUse: true,
    });
    expect(d.attempts.map((a) => a.outcome)).toEqual(['used', 'success']);
  });

  it('50 concurrent redemptions of a one-time token: exactly one session, counters exact', async () => {
    const created = await create();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, () => redeem(created.token)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const d = await details(created.id);
    expect(d.token.successfulAttempts).toBe(1);
    expect(d.token.failedAttempts).toBe(49);
    // The used token presented again is recorded and audited once in the minute, the rest
    // counted (SPEC §8b): the counters above stay exact.
    expect(d.attempts.map((a) => a.outcome).sort()).toEqual(['success', 'used']);
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'login_token.failed' })).toHaveLength(1);
    // Counted per connection on PostgreSQL: the minute's rows together.
    const repeats = await rowsWhere(t.ts, 'auditRepeats', { type: 'login_token.failed' });
    expect(repeats.reduce((n, row) => n + row.count, 0)).toBe(49);
  });

  it('shows every attempt a page at a time, newest first (SPEC §6)', async () => {
    const created = await create({ oneTimeUse: false });
    for (let i = 0; i < 5; i++) {
      await redeem(created.token);
      t.clock.advance(1000);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t
        .client(ops)
        .loginTokens.details(created.id, { limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.attempts.length).toBeLessThanOrEqual(2);
      expect(page.token.successfulAttempts).toBe(5);
      seen.push(...page.attempts.map((a) => a.at));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(seen).toEqual([...seen].sort().reverse());
    const tooMany = await t.call('GET', `/api/sys/login-tokens/${created.id}?limit=101`, {
      token: ops,
    });
    expect(tooMany.status).toBe(400);
  });

  it('a reusable token used 5 times gives 5 sessions and 5 successful attempts', async () => {
    const created = await create({ oneTimeUse: false });
    const sessions = new Set<string>();
    for (let i = 0; i < 5; i++) {
      sessions.add((await redeem(created.token)).session.id);
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
    expect((await refusal(redeem(expiring.token))).code).toBe('link_expired');
    expect((await details(expiring.id)).token.failedAttempts).toBe(1);

    const wrong = await create();
    const forged = `${wrong.id}.${'B'.repeat(43)}`;
    expect((await refusal(redeem(forged))).code).toBe('link_invalid');
    expect((await details(wrong.id)).token.failedAttempts).toBe(1);
    // Its id spelled otherwise (a leading zero) names no token: no session, nothing counted on it.
    const respelled = `0${wrong.token}`;
    expect((await refusal(redeem(respelled))).code).toBe('link_invalid');
    expect((await details(wrong.id)).token).toMatchObject({
      failedAttempts: 1,
      successfulAttempts: 0,
    });

    const deleted = await create();
    await expect(t.client(ops).loginTokens.remove(deleted.id)).resolves.toBeDefined();
    expect((await refusal(redeem(deleted.token))).code).toBe('link_revoked');
    const d = await details(deleted.id);
    expect(d.token).toMatchObject({ failedAttempts: 1, state: 'deleted' });
    expect(d.attempts[0]?.outcome).toBe('deleted');
  });

  it('an anonymous token signs in a guest with no user and no customer data', async () => {
    const created = await create({ subject: { type: 'anonymous' }, use: undefined });
    const guest = await redeem(created.token);
    expect(guest.session).toMatchObject({ user: null, activeProfile: null, permissions: [] });
    await expect(t.client(guest.token).orders.list()).rejects.toMatchObject({ status: 403 });
    expect((await details(created.id)).token.type).toBe('Anonymous');
  });

  it('preview says whose account it is without redeeming; a dead token counts a failure', async () => {
    const created = await create();
    const seen = await t.client().links.previewLoginToken(created.token);
    expect(seen).toMatchObject({
      status: 'valid',
      account: { name: 'Ben Brooks', organizationName: 'Acme Corp' },
    });
    expect((await details(created.id)).token).toMatchObject({
      successfulAttempts: 0,
      failedAttempts: 0,
    });
    await redeem(created.token);
    const after = await t.client().links.previewLoginToken(created.token);
    expect(after.status).toBe('used');
    expect((await details(created.id)).token.failedAttempts).toBe(1);
  });

  it('lists with every column, searches and filters by state', async () => {
    const active = await create({ extra: 'OCI punch-out, plant 7' });
    const used = await create();
    await redeem(used.token);
    const list = t.client(ops).loginTokens.list;
    const all = await list();
    expect(all.tokens[0]).toMatchObject({
      name: 'Ben Brooks',
      type: 'Contact',
      oneTimeUse: true,
      successfulAttempts: 1,
      failedAttempts: 0,
      createdBy: 'Omar Haddad',
    });
    const byExtra = await list({ query: 'plant 7' });
    expect(byExtra.tokens.map((x) => x.id)).toEqual([active.id]);
    const usedOnly = await list({ state: 'used' });
    expect(usedOnly.tokens.map((x) => x.id)).toEqual([used.id]);
    const wildcard = await list({ query: '%' });
    expect(wildcard.tokens).toEqual([]);
  });

  it('validates the expiry and the subject', async () => {
    const create = t.client(ops).loginTokens.create;
    await expect(
      create({
        subject: { type: 'anonymous' },
        expiresAt: new Date(t.clock.now() - 1000).toISOString(),
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      create({
        subject: { type: 'profile', profileId: 999_999 },
        expiresAt: inDays(1),
        use: 'integration',
      }),
    ).rejects.toMatchObject({ status: 404 });
  });

  it('is never made for a profile whose user is an operator, whatever its use', async () => {
    // A profile left behind on an account that became staff: a token would bypass its password.
    const changed = await updateRows(
      t.ts,
      'users',
      { kind: 'operator', operatorRole: 'support' },
      { email: 'buyer@acme.test' },
    );
    expect(changed).toBe(1);
    const madeOrMailed = async () => ({
      tokens: await countOf(t.ts, 'loginTokens'),
      mail: await countOf(t.ts, 'outboxMessages'),
    });
    const before = await madeOrMailed();
    const subject = { type: 'profile', profileId: ids.profileId('buyer@acme.test') } as const;
    const uses = [
      { use: 'email' },
      { use: 'support', reason: 'checking an order' },
      { use: 'integration' },
    ] as const;
    for (const use of uses) {
      const made = t.client(ops).loginTokens.create({ subject, expiresAt: inDays(1), ...use });
      expect(await refusal(made)).toMatchObject({ status: 404, code: 'not_found' });
    }
    expect(await madeOrMailed()).toEqual(before);
  });

  it('needs login-tokens:manage', async () => {
    const support = await t.signIn('support@onbehalf.test');
    await expect(t.client(support.token).loginTokens.list()).rejects.toMatchObject({
      status: 403,
    });
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
    // Raw: either answer will do for a preview, a 400 or a page saying the token is invalid.
    for (const token of shapes) {
      const res = await t.call('POST', '/api/public/auth/login-token', { body: { token } });
      expect(res.status, token).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const seen = await t.call('POST', '/api/public/auth/login-token/preview', {
        body: { token },
      });
      const invalid =
        seen.status === 400 || (seen.json as { status?: string }).status === 'invalid';
      expect(invalid, token).toBe(true);
    }
  });
});

describe('the list searched', () => {
  it('goes on from where a search stopped on its bound, through a short page', async () => {
    const old = await create({ extra: 'needle, old' });
    const recent = await create({ extra: 'needle, recent' });
    // Further apart than one request's search covers.
    await updateRows(t.ts, 'loginTokens', { id: TOKEN_SEARCH_IDS * 2 }, { id: recent.id });
    const list = (cursor?: string) =>
      t.client(ops).loginTokens.list({ query: 'needle', limit: 10, cursor });
    const first = await list();
    expect(first.tokens.map((tk) => tk.id)).toEqual([TOKEN_SEARCH_IDS * 2]);
    expect(first.nextCursor).not.toBeNull();
    const next = await list(first.nextCursor ?? undefined);
    expect(next.tokens.map((tk) => tk.id)).toEqual([old.id]);
    expect(next.nextCursor).toBeNull();
  });
});

describe('API keys', () => {
  async function keyWith(scopes: ApiKeyScope[], organizations = ['Acme Corp']) {
    const root = await t.signIn('root@onbehalf.test');
    const created = await t.client(root.token).apiKeys.create({
      name: 'ERP',
      scopes,
      organizationIds: organizations.map(ids.organizationId),
    });
    return { secret: created.secret, id: created.key.id, root: root.token };
  }

  it('an integration creates one-click links and login tokens with a scoped key', async () => {
    const { secret } = await keyWith(['one-click-links:create', 'login-tokens:manage']);
    const integration = t.client(secret);
    const link = await integration.sys.oneClickLink({
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
    });
    // What only the 201 of a handed-over link carries: the link.
    expect(link).toEqual({
      url: expect.stringMatching(/\/one-click\//),
      expiresAt: expect.any(String),
    });
    const token = await integration.loginTokens.create({
      subject: { type: 'anonymous' },
      expiresAt: inDays(1),
    });
    expect(token).toEqual(handedOver);
  });

  it('scopes are enforced', async () => {
    const { secret } = await keyWith(['users:read']);
    const key = t.client(secret);
    await expect(
      key.sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') }),
    ).rejects.toMatchObject({ status: 403 });
    await expect(key.loginTokens.list()).rejects.toMatchObject({ status: 403 });
    // Only the backoffice API accepts keys; and never the routes meant for people.
    await expect(key.auth.session()).rejects.toMatchObject({ status: 401 });
    await expect(key.sys.settings()).rejects.toMatchObject({ status: 403 });
  });

  it('users:read lets an integration search the directory, impersonating no one', async () => {
    const { secret } = await keyWith(['users:read']);
    const found = await t.client(secret).sys.users({ query: 'buyer@acme.test' });
    expect(found.users).toHaveLength(1);
    expect(found.users[0]).toMatchObject({
      email: 'buyer@acme.test',
      impersonation: { allowed: false, reason: 'no_permission' },
    });
    // Only the people of its organizations: Sam Solo's is not one of them.
    const outside = await t.client(secret).sys.users({ query: 'solo' });
    expect(outside.users).toEqual([]);
    const other = await keyWith(['login-tokens:manage']);
    const refused = await refusal(t.client(other.secret).sys.users());
    expect(refused.status).toBe(403);
    expect(refused.message).toContain('users:read');
  });

  it('are shown once, stored hashed, record last use, and stop working when revoked', async () => {
    const { secret, id, root } = await keyWith(['login-tokens:manage']);
    const stored = await rowsOf(t.ts, 'apiKeys');
    expect(stored.length).toBeGreaterThan(0);
    // The key's secret part, as the server reads it: a secret may itself hold a "_".
    const keySecret = parseApiKeyToken(secret)?.secret;
    expect(keySecret).toHaveLength(43);
    expect(JSON.stringify(stored)).not.toContain(keySecret);
    t.clock.advance(5000);
    await t.client(secret).loginTokens.list();
    const listed = await t.client(root).apiKeys.list();
    expect(listed.keys[0]).toMatchObject({
      id,
      lastUsedAt: new Date(t.clock.now()).toISOString(),
    });
    expect(listed.keys[0]).not.toHaveProperty('secret');
    await t.client(root).apiKeys.revoke(id);
    await expect(t.client(secret).loginTokens.list()).rejects.toMatchObject({ status: 401 });
  });

  it('are listed a page at a time, newest first, each once', async () => {
    const root = (await t.signIn('root@onbehalf.test')).token;
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const key = await t.client(root).apiKeys.create({
        name: `Key ${i}`,
        scopes: ['users:read'],
        organizationIds: [ids.organizationId('Acme Corp')],
      });
      made.push(key.key.id);
      t.clock.advance(1000);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.client(root).apiKeys.list({ limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.keys.length).toBeLessThanOrEqual(2);
      seen.push(...page.keys.map((k) => k.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.filter((id) => made.includes(id))).toEqual([...made].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    const tooMany = await t.call('GET', '/api/sys/api-keys?limit=101', { token: root });
    expect(tooMany.status).toBe(400);
  });

  it('only api-keys:manage may create, list or revoke them', async () => {
    await expect(
      t.client(ops).apiKeys.create({ name: 'x', scopes: ['users:read'], organizationIds: [1] }),
    ).rejects.toMatchObject({ status: 403 });
    // An operator admin, who may read users and make credentials, but not keys.
    const { secret, id } = await keyWith(['users:read']);
    await expect(t.client(ops).apiKeys.list()).rejects.toMatchObject({ status: 403 });
    await expect(t.client(ops).apiKeys.revoke(id)).rejects.toMatchObject({ status: 403 });
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'api_key.revoked' })).toEqual([]);
    // The key lives on.
    expect(await outcomeOf(t.client(secret).sys.users())).toBe('ok');
  });
});
