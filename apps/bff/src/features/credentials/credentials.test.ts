import { eq } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../db/schema/audit-events.ts';
import { impersonations } from '../../db/schema/impersonations.ts';
import { loginTokens, oneClickLinks } from '../../db/schema/login-links.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { users } from '../../db/schema/users.ts';
import { SESSION_JWT_AUDIENCE } from '../../lib/session-jwt.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

/**
 * SPEC §4b: every credential one person makes for another is delivered, an impersonation by
 * its maker, or an integration's, on every path that makes or uses one.
 */

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

const inDays = (days: number) => new Date(t.clock.now() + days * 86_400_000).toISOString();

const makeLink = (token: string, body: Record<string, unknown>) =>
  t.call('POST', '/api/sys/one-click-links', { token, body });

function makeToken(
  token: string,
  email: string,
  body: Record<string, unknown>,
  organization = 'Acme Corp',
) {
  return t.call('POST', '/api/sys/login-tokens', {
    token,
    body: {
      subject: { type: 'profile', profileId: ids.profileId(email, organization) },
      expiresAt: inDays(7),
      ...body,
    },
  });
}

function linkBody(url: string) {
  const [, , userId, hash] = new URL(url).pathname.split('/');
  return { userId: Number(userId), hash };
}

const redeemLink = (url: string, init: { token?: string; cookie?: string } = {}) =>
  t.call('POST', '/api/public/auth/one-click', { body: linkBody(url), ...init });
const redeemToken = (token: string, init: { token?: string; cookie?: string } = {}) =>
  t.call('POST', '/api/public/auth/login-token', { body: { token }, ...init });
const sessionOf = (token: string) => t.call('GET', '/api/public/auth/session', { token });

async function setOperatorDoor(enabled: boolean) {
  const root = await t.signIn('root@onbehalf.test');
  const res = await t.call('PUT', '/api/sys/settings', {
    token: root.token,
    body: { operatorImpersonation: { enabled, maxMinutes: 60 } },
  });
  expect(res.status).toBe(200);
}

function setIntegrations(organization: string, integrationsEnabled: boolean) {
  t.db
    .update(organizations)
    .set({ integrationsEnabled })
    .where(eq(organizations.name, organization))
    .run();
}

const counts = () => ({
  links: t.db.select().from(oneClickLinks).all().length,
  tokens: t.db.select().from(loginTokens).all().length,
});

const events = (type: string) =>
  t.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.type, type as never))
    .all();

async function superadminApiKey(scopes: string[], organizationNames = ['Acme Corp']) {
  const root = await t.signIn('root@onbehalf.test');
  const res = await t.call('POST', '/api/sys/api-keys', {
    token: root.token,
    body: {
      name: 'OCI punch-out',
      scopes,
      organizationIds: organizationNames.map(ids.organizationId),
    },
  });
  expect(res.status).toBe(201);
  return { secret: res.json.secret as string, id: res.json.key.id as string, root: root.token };
}

describe('a credential handed over to a person is an impersonation by that person', () => {
  it('needs a reason, at either kind of credential, and makes nothing without one', async () => {
    const before = counts();
    const link = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
    });
    expect(link.status).toBe(400);
    expect(link.json.error.code).toBe('reason_required');
    const token = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: ' ' });
    expect(token.status).toBe(400);
    expect(token.json.error.code).toBe('reason_required');
    expect(counts()).toEqual(before);
  });

  it('follows the operator door’s switch: off, nothing is made, and the refusal is audited', async () => {
    await setOperatorDoor(false);
    const before = counts();
    const reason = 'customer cannot find an invoice';
    const link = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason,
    });
    expect(link.status).toBe(403);
    expect(link.json.error.code).toBe('impersonation_disabled');
    const token = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason });
    expect(token.status).toBe(403);
    expect(token.json.error.code).toBe('impersonation_disabled');
    expect(counts()).toEqual(before);
    const refused = events('impersonation.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.details).toMatchObject({ rule: 'setting_off', via: 'one_click' });
  });

  it('never upward, never a disabled account, never while acting as someone', async () => {
    const buyer = ids.userId('buyer@acme.test');
    t.db.update(users).set({ status: 'disabled' }).where(eq(users.id, buyer)).run();
    const disabled = await makeLink(ops, { userId: buyer, delivery: 'handover', reason: 'look' });
    expect(disabled.json.error.code).toBe('account_disabled');
    t.db.update(users).set({ status: 'active' }).where(eq(users.id, buyer)).run();
    // An operator acting as another operator, who holds the right, still makes nothing.
    const root = await t.signIn('root@onbehalf.test');
    const issued = await t.call(
      'GET',
      `/api/sys/users/impersonate?userId=${ids.userId('ops@onbehalf.test')}&reason=see+as+ops`,
      { token: root.token },
    );
    const acting = await t.call('POST', `/api/public/auth/login/${issued.json.token}`, {
      token: root.token,
    });
    const nested = await makeLink(acting.json.token, {
      userId: ids.userId('member@acme.test'),
      delivery: 'handover',
      reason: 'look',
      profileId: ids.profileId('member@acme.test'),
    });
    expect(nested.status).toBe(403);
    expect(nested.json.error.code).toBe('impersonation_restricted');
  });

  it('opens only for its maker, signed in: anyone else, or no one, is refused', async () => {
    const made = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'see the order page as the buyer sees it',
    });
    expect(made.status).toBe(201);
    const anonymous = await redeemLink(made.json.url);
    expect(anonymous.status).toBe(403);
    expect(anonymous.json.error.code).toBe('handover_not_yours');
    const root = await t.signIn('root@onbehalf.test');
    const someoneElse = await redeemLink(made.json.url, { token: root.token });
    expect(someoneElse.json.error.code).toBe('handover_not_yours');
    expect(t.db.select().from(impersonations).all()).toHaveLength(0);
    const preview = await t.call('POST', '/api/public/auth/one-click/preview', {
      body: linkBody(made.json.url),
    });
    expect(preview.json).toMatchObject({
      status: 'valid',
      purpose: 'support',
      maker: { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' },
    });
  });

  it("its session carries the maker as actor, in the JWT too, ends with the link's life, and shows in the access history", async () => {
    const reason = 'see the order page as the buyer sees it';
    const made = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason,
      ticket: 'SUP-1',
    });
    const res = await redeemLink(made.json.url, { token: ops });
    expect(res.status).toBe(200);
    expect(res.json.session).toMatchObject({
      method: 'impersonation',
      user: { email: 'buyer@acme.test' },
      actor: { user: { email: 'ops@onbehalf.test' }, door: 'operator', reason },
    });
    // A one-click link lives 15 minutes: the impersonation never outlives it.
    expect(Date.parse(res.json.session.actor.endsAt)).toBe(Date.parse(made.json.expiresAt));
    const jwt = await t.call('GET', '/api/public/auth/token', { token: res.json.token });
    const jwks = await t.call('GET', '/.well-known/jwks.json');
    const { payload } = await jwtVerify(jwt.json.jwt, createLocalJWKSet(jwks.json), {
      audience: SESSION_JWT_AUDIENCE,
      currentDate: new Date(t.clock.now()),
    });
    expect(payload.act).toMatchObject({ sub: String(ids.userId('ops@onbehalf.test')) });
    // Single use, as every link.
    expect((await redeemLink(made.json.url, { token: ops })).json.error.code).toBe('link_used');

    const buyer = await t.signIn('buyer@acme.test');
    const history = await t.call('GET', '/api/public/account/access-history', {
      token: buyer.token,
    });
    expect(history.json.entries).toHaveLength(1);
    expect(history.json.entries[0]).toMatchObject({
      door: 'operator',
      actor: { name: 'Omar Haddad', kind: 'operator', operatorRole: 'admin' },
      reason,
      ticket: 'SUP-1',
      via: { kind: 'one_click' },
    });
    expect(JSON.stringify(history.json)).not.toContain('ops@onbehalf.test');
  });

  it('in a browser, the maker’s own session stays: the impersonation takes the second cookie', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', {
      use: 'support',
      reason: 'billing question',
    });
    expect(made.status).toBe(201);
    const res = await redeemToken(made.json.token, {
      cookie: `ob_session=${ops}`,
    });
    expect(res.status).toBe(200);
    expect(res.json.token).toBeUndefined();
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation=[\w-]{43}/);
    expect((await sessionOf(ops)).status).toBe(200);
  });

  it('ends with the maker’s own session, the door or the maker’s right', async () => {
    const start = async () => {
      const made = await makeToken(ops, 'buyer@acme.test', {
        use: 'support',
        reason: 'billing question',
        oneTimeUse: false,
      });
      const res = await redeemToken(made.json.token, { token: ops });
      expect(res.status).toBe(200);
      return res.json.token as string;
    };
    const endOf = () =>
      t.db
        .select()
        .from(impersonations)
        .all()
        .map((i) => i.endReason)
        .at(-1);

    const first = await start();
    await setOperatorDoor(false);
    expect((await sessionOf(first)).status).toBe(401);
    expect(endOf()).toBe('setting_disabled');
    await setOperatorDoor(true);

    const second = await start();
    t.db
      .update(users)
      .set({ operatorRole: null })
      .where(eq(users.email, 'ops@onbehalf.test'))
      .run();
    expect((await sessionOf(second)).status).toBe(401);
    expect(endOf()).toBe('actor_lost_permission');
    t.db
      .update(users)
      .set({ operatorRole: 'admin' })
      .where(eq(users.email, 'ops@onbehalf.test'))
      .run();

    const third = await start();
    await t.call('POST', '/api/public/auth/sign-out', { token: ops });
    expect((await sessionOf(third)).status).toBe(401);
    expect(endOf()).toBe('actor_signed_out');
  });

  it('is refused at redemption when the door closed after it was made', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
    await setOperatorDoor(false);
    const res = await redeemToken(made.json.token, { token: ops });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('impersonation_disabled');
    expect(t.db.select().from(impersonations).all()).toHaveLength(0);
  });

  it('an API key is no person: it cannot make a support token', async () => {
    const { secret } = await superadminApiKey(['login-tokens:manage']);
    const res = await makeToken(secret, 'buyer@acme.test', { use: 'support', reason: 'why' });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('api_key_not_a_person');
  });
});

describe('a credential handed over to a system is an integration', () => {
  it('is refused for owners and admins, where integrations are off, and for anonymous-use mixups', async () => {
    const before = counts();
    const owner = await makeToken(ops, 'owner@acme.test', { use: 'integration' });
    expect(owner.status).toBe(403);
    expect(owner.json.error.code).toBe('integration_not_allowed');
    const admin = await makeToken(ops, 'admin@acme.test', { use: 'integration' });
    expect(admin.json.error.code).toBe('integration_not_allowed');
    const globex = await makeToken(ops, 'member@acme.test', { use: 'integration' }, 'Globex Inc');
    expect(globex.status).toBe(403);
    expect(globex.json.error.code).toBe('integrations_disabled');
    const anonymousWithUse = await t.call('POST', '/api/sys/login-tokens', {
      token: ops,
      body: { subject: { type: 'anonymous' }, expiresAt: inDays(1), use: 'integration' },
    });
    expect(anonymousWithUse.status).toBe(400);
    const profileWithoutUse = await t.call('POST', '/api/sys/login-tokens', {
      token: ops,
      body: {
        subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
        expiresAt: inDays(1),
      },
    });
    expect(profileWithoutUse.status).toBe(400);
    expect(profileWithoutUse.json.error.issues[0].path).toBe('use');
    expect(counts()).toEqual(before);
  });

  it('is off by default for a new organization', async () => {
    const ops2 = await t.signIn('root@onbehalf.test');
    const created = t.db
      .insert(organizations)
      .values({ name: 'Initech', kind: 'company', createdAt: t.clock.now() })
      .returning()
      .get();
    expect(created.integrationsEnabled).toBe(false);
    const settings = await t.call('GET', `/api/sys/organizations/${created.id}/settings`, {
      token: ops2.token,
    });
    expect(settings.json.settings.integrationsEnabled).toBe(false);
  });

  it('opens a session marked with the credential, pinned to its profile, that refuses the sensitive actions', async () => {
    const made = await makeToken(ops, 'member@acme.test', {
      use: 'integration',
      extra: 'OCI punch-out, plant 7',
    });
    expect(made.status).toBe(201);
    const res = await redeemToken(made.json.token);
    expect(res.status).toBe(200);
    const token = res.json.token as string;
    expect(res.json.session).toMatchObject({
      method: 'login_token',
      user: { email: 'member@acme.test' },
      activeProfile: { organization: { name: 'Acme Corp' } },
      via: {
        kind: 'login_token',
        credentialId: String(made.json.id),
        name: 'OCI punch-out, plant 7',
        maker: { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' },
      },
    });
    const refused = [
      t.call('PUT', '/api/public/account/password', {
        token,
        body: { currentPassword: 'demo-password', newPassword: 'a-much-longer-password' },
      }),
      t.call('GET', '/api/public/auth/sessions', { token }),
      t.call('PUT', '/api/public/account/impersonation-preference', {
        token,
        body: { allowTeamImpersonation: false },
      }),
      t.call('GET', '/api/public/account/credentials', { token }),
      t.call('GET', '/api/public/account/access-history', { token }),
      // Jane's Globex profile is beyond what the credential opened.
      t.call('PUT', '/api/public/coworkers/profiles/current', {
        token,
        body: { Id: ids.profileId('member@acme.test', 'Globex Inc') },
      }),
    ];
    for (const answer of await Promise.all(refused)) {
      expect(answer.status).toBe(403);
      expect(answer.json.error.code).toBe('integration_restricted');
    }
    const profiles = await t.call('GET', '/api/public/coworkers/profiles', { token });
    expect(profiles.json.Profiles).toHaveLength(1);
    // The business actions it is for work, and every event written in it names it.
    const order = await t.call('POST', '/api/public/orders', {
      token,
      body: { sku: 'PAPER-A4', quantity: 1 },
    });
    expect(order.status).toBe(201);
    const placed = events('order.placed').at(-1);
    expect(placed?.details).toMatchObject({
      via: { kind: 'login_token', id: String(made.json.id) },
    });
  });

  it('an API key’s handed-over link is an integration’s, and dies when its organization turns integrations off', async () => {
    const { secret } = await superadminApiKey(['one-click-links:create']);
    const made = await makeLink(secret, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
    });
    expect(made.status).toBe(201);
    const res = await redeemLink(made.json.url);
    expect(res.status).toBe(200);
    expect(res.json.session.via).toMatchObject({
      kind: 'one_click',
      maker: { kind: 'api_key', name: 'OCI punch-out' },
    });
    setIntegrations('Acme Corp', false);
    expect((await sessionOf(res.json.token)).status).toBe(401);
    const another = await makeLink(secret, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
    });
    expect(another.status).toBe(403);
    expect(another.json.error.code).toBe('integrations_disabled');
  });

  it('an integration token stops opening sessions when its profile gains team rights', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    const first = await redeemToken(made.json.token);
    expect(first.status).toBe(200);
    const owner = await t.signIn('owner@acme.test');
    await t.call('PATCH', `/api/public/team/members/${ids.profileId('buyer@acme.test')}`, {
      token: owner.token,
      body: { role: 'admin' },
    });
    expect((await sessionOf(first.json.token)).status).toBe(401);
    const again = await redeemToken(made.json.token);
    expect(again.status).toBe(410);
  });

  it('shows in the access history, grouped per credential with its uses', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
      extra: 'Punch-out',
    });
    for (let i = 0; i < 3; i++) expect((await redeemToken(made.json.token)).status).toBe(200);
    const buyer = await t.signIn('buyer@acme.test');
    const history = await t.call('GET', '/api/public/account/access-history', {
      token: buyer.token,
    });
    expect(history.json.integrations).toEqual([
      expect.objectContaining({
        kind: 'login_token',
        id: String(made.json.id),
        name: 'Punch-out',
        maker: { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' },
        uses: 3,
        state: 'active',
        organizationName: 'Acme Corp',
      }),
    ]);
  });
});

describe('delivered means delivered', () => {
  it('a login token for email is mailed to the person; the maker never sees it', async () => {
    const res = await makeToken(ops, 'buyer@acme.test', { use: 'email' });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      id: expect.any(Number),
      sentTo: 'b•••@acme.test',
      expiresAt: expect.any(String),
    });
    expect(res.text).not.toMatch(/token=/);
    const mail = t.latestMail('buyer@acme.test');
    expect(mail.subject).toBe('Omar Haddad sent you a sign-in link');
    const token = new URL(mail.url ?? '').searchParams.get('token') ?? '';
    const redeemed = await redeemToken(token);
    expect(redeemed.status).toBe(200);
    // The person's own session: nobody acts, nothing marks it.
    expect(redeemed.json.session.actor).toBeUndefined();
    expect(redeemed.json.session.via).toBeUndefined();
  });

  it('the outbox exists only in development without SMTP', async () => {
    const elsewhere: Record<string, string>[] = [
      { NODE_ENV: 'production' },
      { SMTP_URL: 'smtp://127.0.0.1:1' },
    ];
    for (const env of elsewhere) {
      const other = await createTestApp({ rateLimits: false, env });
      const operator = await other.signIn('ops@onbehalf.test');
      const res = await other.call('GET', '/api/sys/outbox', { token: operator.token });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
  });

  it('each read of the outbox is audited', async () => {
    for (let i = 0; i < 2; i++) {
      expect((await t.call('GET', '/api/sys/outbox', { token: ops })).status).toBe(200);
    }
    const reads = events('outbox.read');
    expect(reads).toHaveLength(1);
    expect(reads[0]?.actorUserId).toBe(ids.userId('ops@onbehalf.test'));
  });
});

describe('credentials die with the right to them', () => {
  it('a password change ends every token and link made for the person', async () => {
    const token = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    expect((await redeemToken(token.json.token)).status).toBe(200);
    const buyer = await t.signIn('buyer@acme.test');
    await t.call('PUT', '/api/public/account/password', {
      token: buyer.token,
      body: { currentPassword: 'demo-password', newPassword: 'an-entirely-new-password' },
    });
    const after = await redeemToken(token.json.token);
    expect(after.status).toBe(410);
    expect(after.json.error.code).toBe('link_revoked');
    const row = t.db.select().from(loginTokens).where(eq(loginTokens.id, token.json.id)).get();
    expect(row).toMatchObject({ revokedReason: 'password_changed', secretHash: null });
  });

  it('a password changed behind the API still kills a token made before it', async () => {
    const token = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    t.db
      .update(users)
      .set({ passwordHash: 'changed elsewhere' })
      .where(eq(users.email, 'buyer@acme.test'))
      .run();
    expect((await redeemToken(token.json.token)).json.error.code).toBe('link_revoked');
  });

  it('disabling the person ends what was made for them; disabling the maker ends what they made', async () => {
    const forBuyer = await makeToken(ops, 'buyer@acme.test', { use: 'integration' });
    const forJane = await makeToken(ops, 'member@acme.test', { use: 'integration' });
    const root = await t.signIn('root@onbehalf.test');
    const disable = (email: string) =>
      t.call('PATCH', `/api/sys/users/${ids.userId(email)}`, {
        token: root.token,
        body: { status: 'disabled', reason: 'left the company' },
      });
    expect((await disable('buyer@acme.test')).status).toBe(200);
    expect((await redeemToken(forBuyer.json.token)).status).toBeGreaterThanOrEqual(400);
    expect((await disable('ops@onbehalf.test')).status).toBe(200);
    expect((await redeemToken(forJane.json.token)).json.error.code).toBe('link_revoked');
    const updated = events('user.updated');
    expect(updated.map((e) => e.reason)).toEqual(['left the company', 'left the company']);
    // Disabled, the operator's own sessions end too.
    expect((await sessionOf(ops)).status).toBe(401);
  });

  it('a maker who loses the right loses what they made with it, however the right was lost', async () => {
    const byRole = await makeToken(ops, 'buyer@acme.test', { use: 'integration' });
    const root = await t.signIn('root@onbehalf.test');
    const demoted = await t.call('PATCH', `/api/sys/users/${ids.userId('ops@onbehalf.test')}`, {
      token: root.token,
      body: { operatorRole: 'support', reason: 'moved to first-line support' },
    });
    expect(demoted.status).toBe(200);
    expect((await redeemToken(byRole.json.token)).json.error.code).toBe('link_revoked');

    // Behind the API: the check at redemption holds on its own.
    const rootToken = await makeToken(root.token, 'buyer@acme.test', { use: 'integration' });
    t.db
      .update(users)
      .set({ status: 'disabled' })
      .where(eq(users.email, 'root@onbehalf.test'))
      .run();
    expect((await redeemToken(rootToken.json.token)).json.error.code).toBe('link_revoked');
  });

  it('an API key dies with its maker, and so does what it made', async () => {
    const { secret } = await superadminApiKey(['login-tokens:manage']);
    const made = await makeToken(secret, 'buyer@acme.test', { use: 'integration' });
    expect(made.status).toBe(201);
    t.db
      .update(users)
      .set({ status: 'disabled' })
      .where(eq(users.email, 'root@onbehalf.test'))
      .run();
    expect((await t.call('GET', '/api/sys/login-tokens', { token: secret })).status).toBe(401);
    expect((await redeemToken(made.json.token)).json.error.code).toBe('link_revoked');
  });

  it('the person sees the live ones made for them under Account, and revokes each', async () => {
    const integration = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
      extra: 'ERP',
    });
    const session = await redeemToken(integration.json.token);
    const support = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'check the invoice view',
    });
    expect(support.status).toBe(201);
    const buyer = await t.signIn('buyer@acme.test');
    const listed = await t.call('GET', '/api/public/account/credentials', { token: buyer.token });
    expect(listed.status).toBe(200);
    expect(listed.json.credentials).toHaveLength(2);
    expect(listed.json.credentials).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'login_token',
          purpose: 'integration',
          name: 'ERP',
          uses: 1,
          maker: { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' },
        }),
        expect.objectContaining({
          kind: 'one_click',
          purpose: 'support',
          reason: 'check the invoice view',
        }),
      ]),
    );
    for (const credential of listed.json.credentials) {
      const res = await t.call(
        'DELETE',
        `/api/public/account/credentials/${credential.kind}/${credential.id}`,
        { token: buyer.token },
      );
      expect(res.status).toBe(200);
    }
    expect((await redeemToken(integration.json.token)).json.error.code).toBe('link_revoked');
    expect((await redeemLink(support.json.url, { token: ops })).json.error.code).toBe(
      'link_revoked',
    );
    // The session the integration's token had opened ends with it.
    expect((await sessionOf(session.json.token)).status).toBe(401);
    expect(events('credential.revoked')).toHaveLength(2);
    const empty = await t.call('GET', '/api/public/account/credentials', { token: buyer.token });
    expect(empty.json.credentials).toEqual([]);
    // Someone else's credential, or a dead one, is not found.
    const jane = await t.signIn('member@acme.test');
    const notHers = await t.call(
      'DELETE',
      `/api/public/account/credentials/login_token/${integration.json.id}`,
      { token: jane.token },
    );
    expect(notHers.status).toBe(404);
  });

  it('revoking a support token ends the impersonation it started', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
    const started = await redeemToken(made.json.token, { token: ops });
    expect(started.status).toBe(200);
    const buyer = await t.signIn('buyer@acme.test');
    await t.call('DELETE', `/api/public/account/credentials/login_token/${made.json.id}`, {
      token: buyer.token,
    });
    expect((await sessionOf(started.json.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('revoked');
  });
});

describe('provisioning and API keys', () => {
  it('provisioning creates members only: an owner or admin is refused and nothing is made', async () => {
    const before = t.db.select().from(users).all().length;
    for (const role of ['owner', 'admin']) {
      const res = await t.call('POST', '/api/sys/users', {
        token: ops,
        body: { email: `${role}@new.test`, name: 'New', organizationId: 1, role },
      });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('members_only');
    }
    expect(t.db.select().from(users).all()).toHaveLength(before);
  });

  it('a superadmin raises a member to admin with a reason, audited; without one it is a 400', async () => {
    const root = await t.signIn('root@onbehalf.test');
    const profileId = ids.profileId('buyer@acme.test');
    const noReason = await t.call('PUT', `/api/sys/profiles/${profileId}/role`, {
      token: root.token,
      body: { role: 'admin' },
    });
    expect(noReason.status).toBe(400);
    const raised = await t.call('PUT', `/api/sys/profiles/${profileId}/role`, {
      token: root.token,
      body: { role: 'admin', reason: 'the owner asked by phone, ticket 42' },
    });
    expect(raised.status).toBe(200);
    expect(raised.json.permissions).toContain('team:impersonate');
    const event = events('team.member_updated').at(-1);
    expect(event).toMatchObject({
      reason: 'the owner asked by phone, ticket 42',
      actorUserId: ids.userId('root@onbehalf.test'),
    });
    const opsTry = await t.call('PUT', `/api/sys/profiles/${profileId}/role`, {
      token: ops,
      body: { role: 'owner', reason: 'because' },
    });
    expect(opsTry.status).toBe(403);
  });

  it('an API key acts only for its organizations’ people', async () => {
    const { secret } = await superadminApiKey(
      ['one-click-links:create', 'login-tokens:manage', 'users:provision'],
      ['Globex Inc'],
    );
    const link = await makeLink(secret, { userId: ids.userId('buyer@acme.test') });
    expect(link.status).toBe(404);
    const token = await makeToken(secret, 'buyer@acme.test', { use: 'integration' });
    expect(token.status).toBe(404);
    const provision = await t.call('POST', '/api/sys/users', {
      token: secret,
      body: { email: 'x@acme.test', name: 'X', organizationId: ids.organizationId('Acme Corp') },
    });
    expect(provision.status).toBe(404);
    // Jane is also of Globex: an emailed link to her is the key's to send.
    const jane = await makeLink(secret, { userId: ids.userId('member@acme.test') });
    expect(jane.status).toBe(202);
  });

  it('expire after 90 days by default, at most a year, and show who made them', async () => {
    const { id, root } = await superadminApiKey(['users:read']);
    const listed = await t.call('GET', '/api/sys/api-keys', { token: root });
    const key = listed.json.keys.find((k: { id: string }) => k.id === id);
    expect(Date.parse(key.expiresAt) - t.clock.now()).toBe(90 * 86_400_000);
    expect(key).toMatchObject({ createdBy: 'Rita Rossi', organizations: [{ name: 'Acme Corp' }] });
    const tooLong = await t.call('POST', '/api/sys/api-keys', {
      token: root,
      body: { name: 'x', scopes: ['users:read'], organizationIds: [1], expiresInDays: 400 },
    });
    expect(tooLong.status).toBe(400);
    const noOrganization = await t.call('POST', '/api/sys/api-keys', {
      token: root,
      body: { name: 'x', scopes: ['users:read'], organizationIds: [] },
    });
    expect(noOrganization.status).toBe(400);
  });

  it('an expired key is refused', async () => {
    const { secret } = await superadminApiKey(['users:read']);
    t.clock.advance(90 * 86_400_000);
    expect((await t.call('GET', '/api/sys/users', { token: secret })).status).toBe(401);
  });
});

describe('refusals and reads are audited, and a flood writes two events a minute', () => {
  it('a refused impersonation names the rule; fifty in a minute are one event and one count', async () => {
    const admin = await t.signIn('admin@acme.test');
    const owner = ids.profileId('owner@acme.test');
    for (let i = 0; i < 50; i++) {
      const res = await t.call('GET', `/api/public/coworkers/${owner}/impersonate`, {
        token: admin.token,
      });
      expect(res.json.error.code).toBe('impersonation_upward');
    }
    const refused = events('impersonation.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actorUserId: ids.userId('admin@acme.test'),
      subjectUserId: ids.userId('owner@acme.test'),
      details: { rule: 'upward', door: 'team' },
    });
    t.clock.advance(60_000);
    await t.call('GET', `/api/public/coworkers/${owner}/impersonate`, { token: admin.token });
    const summary = events('audit.repeated');
    expect(summary).toHaveLength(1);
    expect(summary[0]?.details).toMatchObject({
      type: 'impersonation.refused',
      rule: 'upward',
      repeats: 49,
    });
    expect(events('impersonation.refused')).toHaveLength(2);
  });

  it('a failed hand-off exchange is audited with its reason', async () => {
    const admin = await t.signIn('admin@acme.test');
    const forged = await t.call(
      'POST',
      `/api/public/auth/login/${'0'.repeat(26)}.${'A'.repeat(43)}`,
      {
        token: admin.token,
      },
    );
    expect(forged.status).toBe(400);
    expect(events('impersonation.exchange_failed')[0]?.details).toMatchObject({
      rule: 'handoff_invalid',
    });
  });

  it('reads and exports of the audit trail are audited, by whom and through which door', async () => {
    const root = await t.signIn('root@onbehalf.test');
    await t.call('GET', '/api/sys/audit-events', { token: root.token });
    const exported = await t.call('GET', '/api/sys/audit-events/export?format=csv', {
      token: root.token,
    });
    expect(exported.status).toBe(200);
    const owner = await t.signIn('owner@acme.test');
    await t.call('GET', '/api/public/team/audit-events', { token: owner.token });
    const reads = events('audit.read');
    expect(reads.map((e) => [e.actorUserId, e.details?.scope])).toEqual([
      [ids.userId('root@onbehalf.test'), 'sys'],
      [ids.userId('owner@acme.test'), 'team'],
    ]);
    expect(events('audit.exported')[0]).toMatchObject({
      actorUserId: ids.userId('root@onbehalf.test'),
      details: { format: 'csv' },
    });
  });
});

describe('the customer’s views name staff by name and role only', () => {
  it('the team audit shows no operator email, address or browser; the staff trail shows them', async () => {
    const buyer = ids.userId('buyer@acme.test');
    const issued = await t.call(
      'GET',
      `/api/sys/users/impersonate?userId=${buyer}&reason=order+check`,
      { token: ops, headers: { 'user-agent': 'OperatorBrowser/1.0' } },
    );
    const acting = await t.call('POST', `/api/public/auth/login/${issued.json.token}`, {
      token: ops,
      headers: { 'user-agent': 'OperatorBrowser/1.0' },
    });
    await t.call('POST', '/api/public/orders', {
      token: acting.json.token,
      body: { sku: 'PAPER-A4', quantity: 2 },
      headers: { 'user-agent': 'OperatorBrowser/1.0' },
    });
    const owner = await t.signIn('owner@acme.test');
    const team = await t.call('GET', '/api/public/team/audit-events?type=order.placed', {
      token: owner.token,
    });
    const [placed] = team.json.events;
    expect(placed.actor).toMatchObject({ name: 'Omar Haddad', email: null, operatorRole: 'admin' });
    expect(placed.userAgent).toBeNull();
    expect(JSON.stringify(team.json)).not.toContain('ops@onbehalf.test');
    expect(JSON.stringify(team.json)).not.toContain('OperatorBrowser');
    const report = await t.call(
      'GET',
      `/api/public/team/impersonations/${placed.impersonationId}`,
      {
        token: owner.token,
      },
    );
    expect(report.json.impersonation.actor).toMatchObject({ email: null, operatorRole: 'admin' });
    expect(JSON.stringify(report.json)).not.toContain('ops@onbehalf.test');

    const root = await t.signIn('root@onbehalf.test');
    const staff = await t.call('GET', '/api/sys/audit-events?type=order.placed', {
      token: root.token,
    });
    expect(staff.json.events[0]).toMatchObject({
      actor: { email: 'ops@onbehalf.test' },
      userAgent: 'OperatorBrowser/1.0',
    });
  });

  it("the person's sessions list names who holds a session as them, without their address or browser", async () => {
    const buyer = ids.userId('buyer@acme.test');
    const issued = await t.call(
      'GET',
      `/api/sys/users/impersonate?userId=${buyer}&reason=order+check`,
      { token: ops },
    );
    await t.call('POST', `/api/public/auth/login/${issued.json.token}`, {
      token: ops,
      headers: { 'user-agent': 'OperatorBrowser/1.0' },
    });
    const own = await t.signIn('buyer@acme.test');
    const listed = await t.call('GET', '/api/public/auth/sessions', { token: own.token });
    const held = listed.json.sessions.find((s: { actingAs: unknown }) => s.actingAs !== null);
    expect(held).toMatchObject({
      actingAs: { name: 'Omar Haddad', kind: 'operator', operatorRole: 'admin' },
      ip: null,
      userAgent: null,
    });
    expect(JSON.stringify(listed.json)).not.toContain('OperatorBrowser');
  });
});

describe('the command line', () => {
  it('only emails: nothing it makes is handed to whoever runs it', async () => {
    const { createOneClickLink } = await import('../one-click/one-click.service.ts');
    const principal = { kind: 'system', name: 'command line' } as const;
    const meta = { ip: null, userAgent: 'onbehalf-cli', requestId: null };
    const userId = ids.userId('buyer@acme.test');
    const sent = await createOneClickLink(t.deps, principal, { userId, delivery: 'email' }, meta);
    expect(sent).toMatchObject({ status: 202, body: { sentTo: 'b•••@acme.test' } });
    await expect(
      createOneClickLink(t.deps, principal, { userId, delivery: 'handover' }, meta),
    ).rejects.toMatchObject({ code: 'api_key_not_a_person' });
    const link = t.db.select().from(oneClickLinks).where(eq(oneClickLinks.userId, userId)).get();
    expect(link).toMatchObject({ purpose: 'delivered', delivery: 'email' });
  });
});
