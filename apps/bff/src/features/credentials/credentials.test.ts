import type { AuditEventType } from '@onbehalf/contracts/audit';
import type { CreateLoginTokenBody, CreateOneClickLinkBody } from '@onbehalf/contracts/login-links';
import type { ApiKeyScope } from '@onbehalf/contracts/permissions';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { LIVE_CREDENTIALS_PER_PERSON } from '../../domain/credentials/policy.ts';
import { encodeCursor } from '../../lib/pagination.ts';
import { SESSION_JWT_AUDIENCE } from '../../lib/session-jwt.ts';
import { sha256 } from '../../lib/tokens.ts';
import {
  countOf,
  everyPage,
  insertRow,
  insertRows,
  rowsOf,
  rowsWhere,
  rowWhere,
  updateRows,
} from '../../store/test-rows.ts';
import {
  createTestApp,
  demoIds,
  outcomeOf,
  refusal,
  type TestApp,
  teamImpersonationWithOrder,
} from '../../test/harness.ts';

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

/** A link handed over to its maker (201): its URL, once. */
const makeLink = (token: string, body: CreateOneClickLinkBody) =>
  t.client(token).sys.oneClickLink(body);

function makeToken(
  token: string,
  email: string,
  body: Partial<CreateLoginTokenBody>,
  organization = 'Acme Corp',
) {
  return t.client(token).loginTokens.create({
    subject: { type: 'profile', profileId: ids.profileId(email, organization) },
    expiresAt: inDays(7),
    ...body,
  });
}

/** What only a 201 carries: a handed-over link's URL, or a handed-over token's secret. */
const handedOverLink = { url: expect.any(String), expiresAt: expect.any(String) };
const handedOverToken = {
  id: expect.any(Number),
  token: expect.any(String),
  url: expect.any(String),
};

function linkBody(url: string) {
  const [, , userId, hash] = new URL(url).pathname.split('/');
  return { userId: Number(userId), hash: hash ?? '' };
}

const redeemLink = (url: string, token?: string) =>
  t.client(token).links.redeemOneClick(linkBody(url));
const redeemToken = (loginToken: string, token?: string) =>
  t.client(token).links.redeemLoginToken(loginToken);
/** Each query is a 400 `validation_failed` on `path`, never a 500 nor an answer. */
async function expectRefused(path: string, token: string, queries: string[]) {
  for (const query of queries) {
    const res = await t.call('GET', `${path}?${query}`, { token });
    expect([query, res.status, res.json]).toEqual([
      query,
      400,
      { error: expect.objectContaining({ code: 'validation_failed' }) },
    ]);
  }
}

/** `ok`, or the status a session read is refused with. */
const sessionStatus = (token: string | undefined) => outcomeOf(t.client(token).auth.session());

async function setOperatorDoor(enabled: boolean) {
  const root = await t.signIn('root@onbehalf.test');
  await t
    .client(root.token)
    .sys.updateSettings({ operatorImpersonation: { enabled, maxMinutes: 60 } });
}

async function setIntegrations(organization: string, integrationsEnabled: boolean) {
  await updateRows(t.ts, 'organizations', { integrationsEnabled }, { name: organization });
}

const counts = async () => ({
  links: await countOf(t.ts, 'oneClickLinks'),
  tokens: await countOf(t.ts, 'loginTokens'),
});

const events = (type: AuditEventType) => rowsWhere(t.ts, 'auditEvents', { type });

const setUser = (email: string, set: Parameters<typeof updateRows<'users'>>[2]) =>
  updateRows(t.ts, 'users', set, { email });

/** A support impersonation ops started from a token, and a handover link ops has not used. */
async function supportTokenAndHandover() {
  const token = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
  const fromToken = await redeemToken(token.token, ops);
  const link = await makeLink(ops, {
    userId: ids.userId('member@acme.test'),
    delivery: 'handover',
    reason: 'see the member page',
    profileId: ids.profileId('member@acme.test'),
  });
  return { fromToken, link };
}

/** Every live credential made for the person signed in with `token`, page after page. */
async function everyCredential(token: string) {
  const pages = await everyPage((cursor) =>
    t.client(token).account.credentials({ limit: 100, cursor }),
  );
  return pages.flatMap((page) => page.credentials);
}

async function superadminApiKey(scopes: ApiKeyScope[], organizationNames = ['Acme Corp']) {
  const root = await t.signIn('root@onbehalf.test');
  const created = await t.client(root.token).apiKeys.create({
    name: 'OCI punch-out',
    scopes,
    organizationIds: organizationNames.map(ids.organizationId),
  });
  return { secret: created.secret, id: created.key.id, root: root.token };
}

describe('a credential handed over to a person is an impersonation by that person', () => {
  it('needs a reason, at either kind of credential, and makes nothing without one', async () => {
    const before = await counts();
    const link = makeLink(ops, { userId: ids.userId('buyer@acme.test'), delivery: 'handover' });
    await expect(link).rejects.toMatchObject({ status: 400, code: 'reason_required' });
    const token = makeToken(ops, 'buyer@acme.test', { use: 'support', reason: ' ' });
    await expect(token).rejects.toMatchObject({ status: 400, code: 'reason_required' });
    expect(await counts()).toEqual(before);
    // Each refusal is on the record, naming who asked, which kind and the rule.
    const refused = await events('credential.refused');
    expect(refused.map((e) => [e.actorUserId, e.details])).toEqual([
      [
        ids.userId('ops@onbehalf.test'),
        expect.objectContaining({ kind: 'one_click', use: 'handover', rule: 'reason_required' }),
      ],
      [
        ids.userId('ops@onbehalf.test'),
        expect.objectContaining({ kind: 'login_token', use: 'support', rule: 'reason_required' }),
      ],
    ]);
  });

  it('needs a reason of at least three characters: two are refused, three make the link', async () => {
    const buyer = ids.userId('buyer@acme.test');
    const before = await counts();
    const short = makeLink(ops, { userId: buyer, delivery: 'handover', reason: 'ab' });
    expect(await refusal(short)).toMatchObject({ status: 400, code: 'reason_required' });
    expect(await counts()).toEqual(before);
    const enough = await makeLink(ops, { userId: buyer, delivery: 'handover', reason: 'abc' });
    expect(enough).toEqual(handedOverLink);
    expect(await counts()).toEqual({ ...before, links: before.links + 1 });
  });

  it('follows the operator door’s switch: off, nothing is made, and the refusal is audited', async () => {
    await setOperatorDoor(false);
    const before = await counts();
    const reason = 'customer cannot find an invoice';
    const link = makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason,
    });
    await expect(link).rejects.toMatchObject({ status: 403, code: 'impersonation_disabled' });
    const token = makeToken(ops, 'buyer@acme.test', { use: 'support', reason });
    await expect(token).rejects.toMatchObject({ status: 403, code: 'impersonation_disabled' });
    expect(await counts()).toEqual(before);
    const refused = await events('impersonation.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]?.details).toMatchObject({ rule: 'setting_off', via: 'one_click' });
  });

  it('never upward, never a disabled account, never while acting as someone', async () => {
    const buyer = ids.userId('buyer@acme.test');
    await updateRows(t.ts, 'users', { status: 'disabled' }, { id: buyer });
    const disabled = makeLink(ops, { userId: buyer, delivery: 'handover', reason: 'look' });
    expect((await refusal(disabled)).code).toBe('account_disabled');
    const disabledToken = makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'look' });
    expect((await refusal(disabledToken)).code).toBe('account_disabled');
    const refused = await events('credential.refused');
    expect(refused.map((e) => [e.subjectUserId, e.organizationId, e.details])).toEqual([
      [buyer, null, expect.objectContaining({ kind: 'one_click', rule: 'account_disabled' })],
      [
        buyer,
        ids.organizationId('Acme Corp'),
        expect.objectContaining({ kind: 'login_token', rule: 'account_disabled' }),
      ],
    ]);
    await updateRows(t.ts, 'users', { status: 'active' }, { id: buyer });
    // An operator acting as another operator, who holds the right, still makes nothing.
    const root = t.client((await t.signIn('root@onbehalf.test')).token);
    const issued = await root.impersonation.operatorHandoff({
      userId: ids.userId('ops@onbehalf.test'),
      reason: 'see as ops',
    });
    const acting = await root.impersonation.exchange(issued.token);
    const nested = t.client(acting.token).sys.oneClickLink({
      userId: ids.userId('member@acme.test'),
      delivery: 'handover',
      reason: 'look',
      profileId: ids.profileId('member@acme.test'),
    });
    await expect(nested).rejects.toMatchObject({ status: 403, code: 'impersonation_restricted' });
  });

  it('opens only for its maker, signed in: anyone else, or no one, is refused', async () => {
    const made = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'see the order page as the buyer sees it',
    });
    expect(made).toEqual(handedOverLink);
    await expect(redeemLink(made.url)).rejects.toMatchObject({
      status: 403,
      code: 'handover_not_yours',
    });
    const root = await t.signIn('root@onbehalf.test');
    expect((await refusal(redeemLink(made.url, root.token))).code).toBe('handover_not_yours');
    expect(await countOf(t.ts, 'impersonations')).toBe(0);
    // Only its maker is told whose link it is and who made it (SPEC §4b, handover-privacy.test.ts
    // for everyone else).
    const preview = await t.client(ops).links.previewOneClick(linkBody(made.url));
    expect(preview).toMatchObject({
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
    const { session, token } = await redeemLink(made.url, ops);
    expect(session).toMatchObject({
      method: 'impersonation',
      user: { email: 'buyer@acme.test' },
      actor: { user: { email: 'ops@onbehalf.test' }, door: 'operator', reason },
    });
    // A one-click link lives 15 minutes: the impersonation never outlives it.
    expect(Date.parse(session.actor?.endsAt ?? '')).toBe(Date.parse(made.expiresAt));
    const { jwt } = await t.client(token).auth.jwt();
    const jwks = (await t.client().call('auth.jwks')) as JSONWebKeySet;
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      audience: SESSION_JWT_AUDIENCE,
      currentDate: new Date(t.clock.now()),
    });
    expect(payload.act).toMatchObject({ sub: String(ids.userId('ops@onbehalf.test')) });
    // Single use, as every link.
    expect((await refusal(redeemLink(made.url, ops))).code).toBe('link_used');

    const buyer = await t.signIn('buyer@acme.test');
    const history = await t.client(buyer.token).account.accessHistory();
    expect(history.entries).toHaveLength(1);
    expect(history.entries[0]).toMatchObject({
      door: 'operator',
      actor: { name: 'Omar Haddad', kind: 'operator', operatorRole: 'admin' },
      reason,
      ticket: 'SUP-1',
      via: { kind: 'one_click' },
    });
    expect(JSON.stringify(history)).not.toContain('ops@onbehalf.test');
  });

  it('in a browser, the maker’s own session stays: the impersonation takes the second cookie', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', {
      use: 'support',
      reason: 'billing question',
    });
    expect(made).toEqual(handedOverToken);
    // Raw: the maker's browser, by its cookie; the answer sets the second one.
    const res = await t.call('POST', '/api/public/auth/login-token', {
      body: { token: made.token },
      cookie: `ob_session=${ops}`,
    });
    expect(res.status).toBe(200);
    expect(res.json).not.toHaveProperty('token');
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation=[\w-]{43}/);
    expect(await sessionStatus(ops)).toBe('ok');
  });

  it('ends with the maker’s own session, the door or the maker’s right', async () => {
    const start = async () => {
      const made = await makeToken(ops, 'buyer@acme.test', {
        use: 'support',
        reason: 'billing question',
        oneTimeUse: false,
      });
      return (await redeemToken(made.token, ops)).token;
    };
    // How the impersonation the session acts in ended.
    const endOf = async (session: string | undefined) => {
      if (!session) throw new Error('no session was opened');
      const { impersonationId } = await rowWhere(t.ts, 'sessions', { tokenHash: sha256(session) });
      return (await rowWhere(t.ts, 'impersonations', { id: impersonationId ?? '' })).endReason;
    };

    const first = await start();
    await setOperatorDoor(false);
    expect(await sessionStatus(first)).toBe(401);
    expect(await endOf(first)).toBe('setting_disabled');
    await setOperatorDoor(true);

    const second = await start();
    await setUser('ops@onbehalf.test', { operatorRole: null });
    expect(await sessionStatus(second)).toBe(401);
    expect(await endOf(second)).toBe('actor_lost_permission');
    await setUser('ops@onbehalf.test', { operatorRole: 'admin' });

    // Lowered behind the API, to a role that may impersonate but not make the token: the
    // per-request check ends it on its own.
    const fourth = await start();
    await setUser('ops@onbehalf.test', { operatorRole: 'support' });
    expect(await sessionStatus(fourth)).toBe(401);
    expect(await endOf(fourth)).toBe('actor_lost_permission');
    await setUser('ops@onbehalf.test', { operatorRole: 'admin' });

    const third = await start();
    await t.client(ops).auth.signOut();
    expect(await sessionStatus(third)).toBe(401);
    expect(await endOf(third)).toBe('actor_signed_out');
  });

  it('is one impersonation at a time for the session that uses it: the one before ends as replaced', async () => {
    const { fromToken, link } = await supportTokenAndHandover();
    const fromLink = await redeemLink(link.url, ops);
    expect(await sessionStatus(fromToken.token)).toBe(401);
    expect(await sessionStatus(fromLink.token)).toBe('ok');
    const replaced = await rowsWhere(t.ts, 'impersonations', { endReason: 'replaced' });
    expect(replaced.map((i) => i.credentialKind)).toEqual(['login_token']);
    expect(await events('impersonation.ended')).toHaveLength(1);
  });

  it('ends, audited, when its maker loses the right to make it, though they may still impersonate', async () => {
    const { fromToken, link } = await supportTokenAndHandover();
    // From another of the maker's sessions: one own session runs one impersonation at a time.
    const elsewhere = (await t.signIn('ops@onbehalf.test')).token;
    const fromLink = await redeemLink(link.url, elsewhere);
    // Support keeps users:impersonate, not the right to make login tokens or handover links.
    const root = await t.signIn('root@onbehalf.test');
    const demoted = t.client(root.token).sys.updateUser(ids.userId('ops@onbehalf.test'), {
      operatorRole: 'support',
      reason: 'moved to first-line support',
    });
    expect(await outcomeOf(demoted)).toBe('ok');
    // Ended now, each with its event, not at its next request.
    const ended = await rowsWhere(t.ts, 'impersonations', { endReason: 'actor_lost_permission' });
    expect(ended.map((i) => i.credentialKind).sort()).toEqual(['login_token', 'one_click']);
    expect(ended.every((i) => i.endedAt === t.clock.now())).toBe(true);
    expect(await events('impersonation.ended')).toHaveLength(2);
    expect(await sessionStatus(fromToken.token)).toBe(401);
    expect(await sessionStatus(fromLink.token)).toBe(401);
    // The demoted operator's own session goes on: they lost a right, not their account.
    expect(await sessionStatus(ops)).toBe('ok');
  });

  it('its maker keeps it when they lose another right: a superadmin made admin loses only API keys', async () => {
    await setUser('ops@onbehalf.test', { operatorRole: 'superadmin' });
    const key = await t.client(ops).apiKeys.create({
      name: 'ERP punch-out',
      scopes: ['login-tokens:manage'],
      organizationIds: [ids.organizationId('Acme Corp')],
    });
    const byKey = await makeToken(key.secret, 'buyer@acme.test', { use: 'integration' });
    const { fromToken, link } = await supportTokenAndHandover();
    const root = await t.signIn('root@onbehalf.test');
    const demoted = t.client(root.token).sys.updateUser(ids.userId('ops@onbehalf.test'), {
      operatorRole: 'admin',
      reason: 'no longer manages integrations',
    });
    expect(await outcomeOf(demoted)).toBe('ok');
    // An admin may still make support tokens and handover links: those stand.
    expect(await sessionStatus(fromToken.token)).toBe('ok');
    expect(await events('impersonation.ended')).toHaveLength(0);
    expect((await redeemLink(link.url, ops)).token).toEqual(expect.any(String));
    // Not API keys: the key and what it made end with the change.
    expect(await outcomeOf(t.client(key.secret).loginTokens.list())).toBe(401);
    expect((await refusal(redeemToken(byKey.token))).code).toBe('link_revoked');
  });

  it('is refused at redemption when the door closed after it was made', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
    await setOperatorDoor(false);
    await expect(redeemToken(made.token, ops)).rejects.toMatchObject({
      status: 403,
      code: 'impersonation_disabled',
    });
    expect(await countOf(t.ts, 'impersonations')).toBe(0);
  });

  it('an API key is no person: it cannot make a support token', async () => {
    const { secret } = await superadminApiKey(['login-tokens:manage']);
    const made = makeToken(secret, 'buyer@acme.test', { use: 'support', reason: 'why' });
    await expect(made).rejects.toMatchObject({ status: 403, code: 'api_key_not_a_person' });
    // The key is who asked: the trail names it, as it names the key that makes a credential.
    const [refused] = await events('credential.refused');
    expect(refused).toMatchObject({
      actorUserId: null,
      actorKind: 'system',
      details: expect.objectContaining({
        rule: 'api_key_not_a_person',
        apiKeyName: 'OCI punch-out',
      }),
    });
  });

  it('an API key asking again and again leaves one event a minute, its repeats counted', async () => {
    const { secret } = await superadminApiKey(['login-tokens:manage']);
    for (let i = 0; i < 5; i++) {
      const made = makeToken(secret, 'owner@acme.test', { use: 'integration' });
      expect((await refusal(made)).code).toBe('integration_not_allowed');
    }
    expect(await events('credential.refused')).toHaveLength(1);
    // Another key from the same address is another asker, with an event of its own.
    const other = await superadminApiKey(['login-tokens:manage']);
    const made = makeToken(other.secret, 'owner@acme.test', { use: 'integration' });
    expect((await refusal(made)).code).toBe('integration_not_allowed');
    const refused = await events('credential.refused');
    expect(refused.map((e) => (e.details as { apiKeyId?: string }).apiKeyId)).toEqual([
      expect.any(String),
      other.id,
    ]);
  });
});

describe('a credential handed over to a system is an integration', () => {
  it('is not for staff: an operator using it, or one acting as someone, is refused and it stays unused', async () => {
    const made = await makeToken(ops, 'member@acme.test', { use: 'integration' });
    const asOps = refusal(redeemToken(made.token, ops));
    expect(await asOps).toMatchObject({ status: 403, code: 'integration_not_for_staff' });
    // An operator acting as a customer uses no credential at all (SPEC §4 rule 8).
    const root = t.client((await t.signIn('root@onbehalf.test')).token);
    const issued = await root.impersonation.operatorHandoff({
      userId: ids.userId('buyer@acme.test'),
      reason: 'order question',
    });
    const { token: asBuyer } = await root.impersonation.exchange(issued.token);
    expect(await refusal(redeemToken(made.token, asBuyer))).toMatchObject({ status: 403 });
    // The same for a link an API key made, and the refusals are on the token's record.
    const { secret } = await superadminApiKey(['one-click-links:create']);
    const link = await makeLink(secret, {
      userId: ids.userId('member@acme.test'),
      delivery: 'handover',
    });
    expect((await refusal(redeemLink(link.url, ops))).code).toBe('integration_not_for_staff');
    const attempts = await rowsWhere(t.ts, 'loginAttempts', { outcome: 'refused' });
    expect(attempts).toHaveLength(2);
    // Nothing was used up: the system it was made for signs in with each, and so would the
    // customer in their own browser.
    const member = (await t.signIn('member@acme.test')).token;
    expect((await redeemToken(made.token, member)).session.via).toMatchObject({
      kind: 'login_token',
    });
    expect((await redeemLink(link.url)).session.via).toMatchObject({ kind: 'one_click' });
  });

  it('is not for anyone else signed in: a team admin is refused a coworker’s, and it stays unused', async () => {
    // The team door would refuse the admin: the member opted out, the door is off.
    const buyer = (await t.signIn('buyer@acme.test')).token;
    await t.client(buyer).account.setImpersonationPreference(false);
    await updateRows(t.ts, 'organizations', { impersonationEnabled: false }, { name: 'Acme Corp' });
    const admin = (await t.signIn('admin@acme.test')).token;
    const member = (await t.signIn('member@acme.test')).token;
    const made = await makeToken(ops, 'buyer@acme.test', { use: 'integration', oneTimeUse: false });
    const { secret } = await superadminApiKey(['one-click-links:create']);
    const link = await makeLink(secret, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
    });
    const sessions = () => countOf(t.ts, 'sessions');
    const before = await sessions();
    for (const someoneElse of [admin, member]) {
      expect(await refusal(redeemToken(made.token, someoneElse))).toMatchObject({
        status: 403,
        code: 'integration_not_for_you',
      });
      expect((await refusal(redeemLink(link.url, someoneElse))).code).toBe(
        'integration_not_for_you',
      );
    }
    // No session was opened; each refusal is on its credential's record.
    expect(await sessions()).toBe(before);
    expect(await rowsWhere(t.ts, 'loginAttempts', { outcome: 'refused' })).toHaveLength(4);
    // The person it is for, in their own browser, and the system (no session) still may.
    expect((await redeemToken(made.token, buyer)).session.user?.email).toBe('buyer@acme.test');
    expect((await redeemLink(link.url)).session.user?.email).toBe('buyer@acme.test');
  });

  it('is refused for owners and admins, where integrations are off, and for anonymous-use mixups', async () => {
    const before = await counts();
    const owner = makeToken(ops, 'owner@acme.test', { use: 'integration' });
    await expect(owner).rejects.toMatchObject({ status: 403, code: 'integration_not_allowed' });
    const admin = makeToken(ops, 'admin@acme.test', { use: 'integration' });
    expect((await refusal(admin)).code).toBe('integration_not_allowed');
    // An owner whose profile was left with a member's permissions is an owner still.
    await updateRows(
      t.ts,
      'profiles',
      { permissions: ['orders:read'] },
      { id: ids.profileId('owner@acme.test') },
    );
    const cutOwner = makeToken(ops, 'owner@acme.test', { use: 'integration' });
    expect((await refusal(cutOwner)).code).toBe('integration_not_allowed');
    const { secret } = await superadminApiKey(['one-click-links:create']);
    const cutOwnerLink = makeLink(secret, {
      userId: ids.userId('owner@acme.test'),
      delivery: 'handover',
    });
    expect((await refusal(cutOwnerLink)).code).toBe('integration_not_allowed');
    const globex = makeToken(ops, 'member@acme.test', { use: 'integration' }, 'Globex Inc');
    await expect(globex).rejects.toMatchObject({ status: 403, code: 'integrations_disabled' });
    // Every refusal is audited; the same rule again within the minute is counted, not written.
    const refused = await events('credential.refused');
    expect(refused.map((e) => [e.actorKind, e.subjectUserId, e.details])).toEqual([
      [
        'operator',
        ids.userId('owner@acme.test'),
        expect.objectContaining({ kind: 'login_token', rule: 'integration_not_allowed' }),
      ],
      [
        'system',
        ids.userId('owner@acme.test'),
        expect.objectContaining({ kind: 'one_click', rule: 'integration_not_allowed' }),
      ],
      [
        'operator',
        ids.userId('member@acme.test'),
        expect.objectContaining({ kind: 'login_token', rule: 'integrations_disabled' }),
      ],
    ]);
    const anonymousWithUse = t.client(ops).loginTokens.create({
      subject: { type: 'anonymous' },
      expiresAt: inDays(1),
      use: 'integration',
    });
    expect(await outcomeOf(anonymousWithUse)).toBe(400);
    const profileWithoutUse = await refusal(
      t.client(ops).loginTokens.create({
        subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
        expiresAt: inDays(1),
      }),
    );
    expect(profileWithoutUse.status).toBe(400);
    expect(profileWithoutUse.issues[0]?.path).toBe('use');
    expect(await counts()).toEqual(before);
  });

  it('is off by default for a new organization', async () => {
    const ops2 = await t.signIn('root@onbehalf.test');
    const created = await insertRow(t.ts, 'organizations', {
      name: 'Initech',
      kind: 'company',
      createdAt: t.clock.now(),
    });
    expect(created.integrationsEnabled).toBe(false);
    const { settings } = await t.client(ops2.token).sys.organizationSettings(created.id);
    expect(settings.integrationsEnabled).toBe(false);
  });

  it('opens a session marked with the credential, pinned to its profile, that refuses the sensitive actions', async () => {
    const made = await makeToken(ops, 'member@acme.test', {
      use: 'integration',
      extra: 'OCI punch-out, plant 7',
    });
    expect(made).toEqual(handedOverToken);
    const res = await redeemToken(made.token);
    const integration = t.client(res.token);
    expect(res.session).toMatchObject({
      method: 'login_token',
      user: { email: 'member@acme.test' },
      activeProfile: { organization: { name: 'Acme Corp' } },
      via: {
        kind: 'login_token',
        credentialId: String(made.id),
        name: 'OCI punch-out, plant 7',
        maker: { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' },
      },
    });
    // Services downstream read the same from the session's JWT: which credential opened it.
    const { jwt } = await integration.auth.jwt();
    const jwks = (await t.client().call('auth.jwks')) as JSONWebKeySet;
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      audience: SESSION_JWT_AUDIENCE,
      currentDate: new Date(t.clock.now()),
    });
    expect(payload.via).toEqual({ kind: 'login_token', id: String(made.id) });
    const refused = [
      integration.account.changePassword({
        currentPassword: 'demo-password',
        newPassword: 'a-much-longer-password',
      }),
      integration.auth.sessions(),
      integration.account.setImpersonationPreference(false),
      integration.account.credentials(),
      integration.account.accessHistory(),
      // Jane's Globex profile is beyond what the credential opened.
      integration.profiles.switchTo(ids.profileId('member@acme.test', 'Globex Inc')),
    ];
    for (const answer of await Promise.all(refused.map(refusal))) {
      expect(answer).toMatchObject({ status: 403, code: 'integration_restricted' });
    }
    // It acts for someone already, so it starts no impersonation that could outlive it.
    const handoff = integration.impersonation.teamHandoff(ids.profileId('buyer@acme.test'));
    await expect(handoff).rejects.toMatchObject({ status: 403, code: 'impersonation_nested' });
    const profiles = await integration.profiles.list();
    expect(profiles.Profiles).toHaveLength(1);
    // The business actions it is for work, and every event written in it names it.
    // Placed means answered 201, the route's only success in the table.
    await integration.orders.place({ sku: 'PAPER-A4', quantity: 1 });
    const placed = (await events('order.placed')).at(-1);
    expect(placed?.details).toMatchObject({
      via: { kind: 'login_token', id: String(made.id) },
    });
  });

  it('an API key’s handed-over link is an integration’s, and dies when its organization turns integrations off', async () => {
    const { secret } = await superadminApiKey(['one-click-links:create']);
    const made = await makeLink(secret, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
    });
    expect(made).toEqual(handedOverLink);
    const res = await redeemLink(made.url);
    expect(res.session.via).toMatchObject({
      kind: 'one_click',
      maker: { kind: 'api_key', name: 'OCI punch-out' },
    });
    await setIntegrations('Acme Corp', false);
    expect(await sessionStatus(res.token)).toBe(401);
    // The team sees the session end in its trail, why, and through which credential.
    const owner = await t.signIn('owner@acme.test');
    const trail = await t.client(owner.token).audit.teamList({ type: ['session.revoked'] });
    expect(trail.events.map((e) => [e.subject?.email, e.details])).toEqual([
      [
        'buyer@acme.test',
        {
          revoked: res.session.id,
          endReason: 'integrations_disabled',
          via: { kind: 'one_click', id: res.session.via?.credentialId },
        },
      ],
    ]);
    const another = makeLink(secret, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
    });
    await expect(another).rejects.toMatchObject({ status: 403, code: 'integrations_disabled' });
  });

  it('an integration link’s preview names the organization it opens, not the person’s first', async () => {
    await setIntegrations('Globex Inc', true);
    const { secret } = await superadminApiKey(['one-click-links:create'], ['Globex Inc']);
    // Jane works at Acme and at Globex; a Globex key's link opens her Globex profile.
    const made = await makeLink(secret, {
      userId: ids.userId('member@acme.test'),
      delivery: 'handover',
    });
    const preview = await t.client().links.previewOneClick(linkBody(made.url));
    expect(preview.account?.organizationName).toBe('Globex Inc');
  });

  it('an integration token stops opening sessions when its profile gains team rights', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    const first = await redeemToken(made.token);
    const owner = await t.signIn('owner@acme.test');
    await t
      .client(owner.token)
      .team.updateMember(ids.profileId('buyer@acme.test'), { role: 'admin' });
    expect(await sessionStatus(first.token)).toBe(401);
    expect(await outcomeOf(redeemToken(made.token))).toBe(410);
  });

  it('shows in the access history, grouped per credential with its uses', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
      extra: 'Punch-out',
    });
    for (let i = 0; i < 3; i++) expect(await outcomeOf(redeemToken(made.token))).toBe('ok');
    const buyer = await t.signIn('buyer@acme.test');
    const history = await t.client(buyer.token).account.integrationAccess();
    expect(history).toEqual({
      integrations: [
        expect.objectContaining({
          kind: 'login_token',
          id: String(made.id),
          name: 'Punch-out',
          maker: { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' },
          uses: 3,
          state: 'active',
          organizationName: 'Acme Corp',
        }),
      ],
      nextCursor: null,
    });
  });

  it('come a page at a time, links and tokens merged newest first, each once', async () => {
    const { secret } = await superadminApiKey(['one-click-links:create']);
    const integrationLinks = async () =>
      (await rowsWhere(t.ts, 'oneClickLinks', { purpose: 'integration' })).map((row) => row.id);
    const link = async () => {
      const before = await integrationLinks();
      await makeLink(secret, { userId: ids.userId('buyer@acme.test'), delivery: 'handover' });
      const made = (await integrationLinks()).filter((id) => !before.includes(id));
      expect(made).toHaveLength(1);
      return `one_click:${made[0]}`;
    };
    const token = async () =>
      `login_token:${(await makeToken(ops, 'buyer@acme.test', { use: 'integration' })).id}`;
    // At one instant, links come before tokens, each kind by the higher id first (a link's
    // id is random past its instant, a token's grows).
    const older = [await token(), await link(), await token(), await link()];
    t.clock.advance(1_000);
    const newer = [await token(), await link()];
    // Someone else's, and the buyer's credentials that are not an integration's: never listed.
    await makeToken(ops, 'member@acme.test', { use: 'integration' });
    await makeToken(ops, 'buyer@acme.test', { use: 'email' });
    const olderLinks = [older[1], older[3]].sort().reverse();
    const expected = [newer[1], newer[0], ...olderLinks, older[2], older[0]];

    const buyer = await t.signIn('buyer@acme.test');
    const seen: (string | undefined)[][] = [];
    let cursor: string | undefined;
    do {
      const page = await t.client(buyer.token).account.integrationAccess({ limit: 2, cursor });
      seen.push(page.integrations.map((line) => `${line.kind}:${line.id}`));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([expected.slice(0, 2), expected.slice(2, 4), expected.slice(4)]);
  });

  it('refuse a page too large or a cursor this list did not give out, and bound a forged one', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const path = '/api/public/account/access-history/integrations';
    const now = t.clock.now();
    await expectRefused(path, buyer.token, [
      'limit=101',
      'cursor=not-a-cursor',
      `cursor=${encodeCursor([now, 'passkey', '1'])}`,
      `cursor=${encodeCursor([now, 'login_token', 'one'])}`,
      `cursor=${encodeCursor([now, 'login_token', '1', 'more'])}`,
    ]);
    // Well-formed but made up: answered, past what any column holds.
    const made = await makeToken(ops, 'buyer@acme.test', { use: 'integration' });
    for (const key of [
      [now, 'login_token', '999999999999999'],
      [now + 1, 'one_click', 'zzzz'],
    ]) {
      const res = await t.call('GET', `${path}?cursor=${encodeCursor(key)}`, {
        token: buyer.token,
      });
      expect(res.status).toBe(200);
      expect((res.json as { integrations: { id: string }[] }).integrations).toEqual([
        expect.objectContaining({ id: String(made.id) }),
      ]);
    }
  });
});

describe('delivered means delivered', () => {
  it('a login token for email is mailed to the person; the maker never sees it', async () => {
    // Raw: the exact status, and the whole body as text.
    const res = await t.call('POST', '/api/sys/login-tokens', {
      token: ops,
      body: {
        subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
        expiresAt: inDays(7),
        use: 'email',
      },
    });
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
    // The person's own session: nobody acts, nothing marks it.
    expect(redeemed.session.actor).toBeUndefined();
    expect(redeemed.session.via).toBeUndefined();
  });

  it('the outbox exists only in development without SMTP', async () => {
    const elsewhere: Record<string, string>[] = [
      { NODE_ENV: 'production' },
      { SMTP_URL: 'smtp://127.0.0.1:1' },
    ];
    for (const env of elsewhere) {
      const other = await createTestApp({ rateLimits: false, env });
      const operator = await other.signIn('ops@onbehalf.test');
      await expect(other.client(operator.token).sys.outbox()).rejects.toMatchObject({
        status: 404,
        code: 'not_found',
      });
    }
  });

  it('no reader of the outbox sees a delivered link: not its maker, not a superadmin', async () => {
    // Every way a sign-in link or token is delivered, the maker an operator or nobody.
    await makeToken(ops, 'buyer@acme.test', { use: 'email' });
    await t.client(ops).sys.emailSignInLink(ids.userId('member@acme.test'), 'Locked out');
    await makeLink(ops, { userId: ids.userId('admin@acme.test'), delivery: 'email' });
    await t.client(ops).sys.provisionUser({
      email: 'new.person@acme.test',
      name: 'New Person',
      organizationId: ids.organizationId('Acme Corp'),
      sendWelcomeEmail: true,
    });
    await t.client().links.requestEmailLink('owner@acme.test');
    await t.deps.background.idle();

    const root = (await t.signIn('root@onbehalf.test')).token;
    const sent = ['buyer', 'member', 'admin', 'new.person', 'owner'].map((n) => `${n}@acme.test`);
    for (const to of sent) {
      // The recipient's copy has the link, and it works.
      const { url } = t.latestMail(to);
      expect(url).toMatch(/^http:\/\/portal\.test\//);
      const secret = (url ?? '').split(/[/=]/).at(-1) ?? '';
      expect(secret.length).toBeGreaterThan(20);
      for (const reader of [ops, root]) {
        const { messages } = await t.client(reader).sys.outbox({ query: to });
        expect(messages).toHaveLength(1);
        const seen = JSON.stringify(messages);
        expect(seen).toContain('[link removed]');
        expect(seen).not.toContain(secret);
        expect(seen).not.toMatch(/https?:\/\//);
      }
    }
    // Nothing at rest opens one either, sealed or not: only test mode keeps the whole message.
    const rows = await rowsOf(t.ts, 'outboxMessages');
    expect(rows.map((r) => r.sealed)).toEqual(sent.map(() => null));
  });

  it('in test mode, only the test mailbox has the whole message; the outbox still has no link', async () => {
    const qa = await createTestApp({ rateLimits: false, env: { ONBEHALF_TEST_MODE: '1' } });
    const operator = (await qa.signIn('ops@onbehalf.test')).token;
    await qa
      .client(operator)
      .sys.emailSignInLink(demoIds(qa).userId('member@acme.test'), 'A QA run');
    const { url } = qa.latestMail('member@acme.test');
    const [inMailbox] = (await qa.client().test.mailbox('member@acme.test')).messages;
    expect(inMailbox?.links).toEqual([url]);
    const [inOutbox] = (await qa.client(operator).sys.outbox({ query: 'member@acme.test' }))
      .messages;
    expect(inOutbox?.text).toContain('[link removed]');
    expect(JSON.stringify(inOutbox)).not.toContain(url);
  });

  it('each read of the outbox is audited', async () => {
    for (let i = 0; i < 2; i++) {
      expect(await outcomeOf(t.client(ops).sys.outbox())).toBe('ok');
    }
    const reads = await events('outbox.read');
    expect(reads).toHaveLength(1);
    expect(reads[0]?.actorUserId).toBe(ids.userId('ops@onbehalf.test'));
  });

  it('is outbox:read only: support staff, who may read users and impersonate, read no one’s mail', async () => {
    await t.client(ops).sys.emailSignInLink(ids.userId('member@acme.test'), 'Locked out');
    const support = (await t.signIn('support@onbehalf.test')).token;
    const refused = await refusal(t.client(support).sys.outbox({ query: 'member@acme.test' }));
    expect(refused).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await events('outbox.read')).toEqual([]);
  });
});

describe('credentials die with the right to them', () => {
  it('a password change ends every token and link made for the person', async () => {
    const token = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    expect(await outcomeOf(redeemToken(token.token))).toBe('ok');
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.changePassword({
      currentPassword: 'demo-password',
      newPassword: 'an-entirely-new-password',
    });
    await expect(redeemToken(token.token)).rejects.toMatchObject({
      status: 410,
      code: 'link_revoked',
    });
    const row = await rowWhere(t.ts, 'loginTokens', { id: token.id });
    expect(row).toMatchObject({ revokedReason: 'password_changed', secretHash: null });
  });

  it('a password changed behind the API still kills a token made before it', async () => {
    const token = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    await setUser('buyer@acme.test', { passwordHash: 'changed elsewhere' });
    expect((await refusal(redeemToken(token.token))).code).toBe('link_revoked');
  });

  it('a person disabled behind the API is refused their token all the same, and no session is opened', async () => {
    const token = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    const sessionsBefore = await countOf(t.ts, 'sessions');
    await setUser('buyer@acme.test', { status: 'disabled' });
    const refused = await refusal(redeemToken(token.token));
    expect([refused.status, refused.code]).toEqual([400, 'link_invalid']);
    expect(await countOf(t.ts, 'sessions')).toBe(sessionsBefore);
  });

  it('disabling the person ends what was made for them; disabling the maker ends what they made', async () => {
    const forBuyer = await makeToken(ops, 'buyer@acme.test', { use: 'integration' });
    const forJane = await makeToken(ops, 'member@acme.test', { use: 'integration' });
    const root = await t.signIn('root@onbehalf.test');
    const disable = (email: string) =>
      t
        .client(root.token)
        .sys.updateUser(ids.userId(email), { status: 'disabled', reason: 'left the company' });
    expect(await outcomeOf(disable('buyer@acme.test'))).toBe('ok');
    expect((await refusal(redeemToken(forBuyer.token))).status).toBeGreaterThanOrEqual(400);
    expect(await outcomeOf(disable('ops@onbehalf.test'))).toBe('ok');
    expect((await refusal(redeemToken(forJane.token))).code).toBe('link_revoked');
    const updated = await events('user.updated');
    expect(updated.map((e) => e.reason)).toEqual(['left the company', 'left the company']);
    // Disabled, the operator's own sessions end too.
    expect(await sessionStatus(ops)).toBe(401);
  });

  it('a maker who loses the right loses what they made with it, however the right was lost', async () => {
    const byRole = await makeToken(ops, 'buyer@acme.test', { use: 'integration' });
    const root = await t.signIn('root@onbehalf.test');
    const demoted = t.client(root.token).sys.updateUser(ids.userId('ops@onbehalf.test'), {
      operatorRole: 'support',
      reason: 'moved to first-line support',
    });
    expect(await outcomeOf(demoted)).toBe('ok');
    expect((await refusal(redeemToken(byRole.token))).code).toBe('link_revoked');

    // Behind the API: the check at redemption holds on its own.
    const rootToken = await makeToken(root.token, 'buyer@acme.test', { use: 'integration' });
    await setUser('root@onbehalf.test', { status: 'disabled' });
    expect((await refusal(redeemToken(rootToken.token))).code).toBe('link_revoked');
  });

  it('an API key dies with its maker, and so does what it made', async () => {
    const { secret } = await superadminApiKey(['login-tokens:manage']);
    const made = await makeToken(secret, 'buyer@acme.test', { use: 'integration' });
    expect(made).toEqual(handedOverToken);
    await setUser('root@onbehalf.test', { status: 'disabled' });
    expect(await outcomeOf(t.client(secret).loginTokens.list())).toBe(401);
    expect((await refusal(redeemToken(made.token))).code).toBe('link_revoked');
  });

  it('an API key’s one-click link dies when the key is revoked or expires', async () => {
    const buyer = ids.userId('buyer@acme.test');
    const { secret, id, root } = await superadminApiKey(['one-click-links:create']);
    const made = await makeLink(secret, { userId: buyer, delivery: 'handover' });
    const preview = () => t.client().links.previewOneClick(linkBody(made.url));
    expect((await preview()).status).toBe('valid');
    await t.client(root).apiKeys.revoke(id);
    // The link itself was never revoked: only the check of its maker at redemption ends it.
    expect((await preview()).status).toBe('revoked');
    expect(await refusal(redeemLink(made.url))).toMatchObject({
      status: 410,
      code: 'link_revoked',
    });

    // A key that lives a day, and a link it made late in that day that would outlive it.
    await t.client(root).sys.updateSettings({ oneClick: { defaultMinutes: 15, maxMinutes: 1440 } });
    const expiring = await t.client(root).apiKeys.create({
      name: 'Short-lived punch-out',
      scopes: ['one-click-links:create'],
      organizationIds: [ids.organizationId('Acme Corp')],
      expiresInDays: 1,
    });
    t.clock.advance(12 * 3_600_000);
    const outliving = await makeLink(expiring.secret, {
      userId: buyer,
      delivery: 'handover',
      expiresInMinutes: 1440,
    });
    t.clock.advance(13 * 3_600_000);
    expect(await refusal(redeemLink(outliving.url))).toMatchObject({
      status: 410,
      code: 'link_revoked',
    });
    // Neither was used, and neither row was marked revoked: the redemption checked the maker.
    const untouched = { purpose: 'integration', usedAt: null, revokedAt: null } as const;
    expect(await rowsWhere(t.ts, 'oneClickLinks', untouched)).toHaveLength(2);
  });

  it('no credential can be buried under newer ones: past the cap, one more is refused', async () => {
    const { secret } = await superadminApiKey(['login-tokens:manage', 'one-click-links:create']);
    // The one a maker would hide: used, reusable, still live.
    const hidden = await makeToken(secret, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
    });
    await redeemToken(hidden.token);
    // Most of the room filled ten at a time, then a burst at once for its last places fills
    // them and no more: the count and the insert are one command. (A burst of the whole cap at
    // once could wait past the store's 5 s turn for writers on a loaded machine.)
    const makeIntegrationToken = () => makeToken(secret, 'buyer@acme.test', { use: 'integration' });
    const lastPlaces = 10;
    for (let made = 1; made < LIVE_CREDENTIALS_PER_PERSON - lastPlaces; made += 10) {
      const batch = Math.min(10, LIVE_CREDENTIALS_PER_PERSON - lastPlaces - made);
      await Promise.all(Array.from({ length: batch }, makeIntegrationToken));
    }
    const burst = await Promise.all(
      Array.from({ length: 3 * lastPlaces }, () => outcomeOf(makeIntegrationToken())),
    );
    expect(burst.filter((outcome) => outcome === 'ok')).toHaveLength(lastPlaces);
    expect(burst.filter((outcome) => outcome !== 'ok')).toEqual(Array(2 * lastPlaces).fill(409));
    const more = [
      makeToken(secret, 'buyer@acme.test', { use: 'integration' }),
      makeLink(secret, { userId: ids.userId('buyer@acme.test'), delivery: 'handover' }),
      makeToken(ops, 'buyer@acme.test', { use: 'email' }),
    ];
    for (const refused of await Promise.all(more.map((made) => refusal(made)))) {
      expect([refused.status, refused.code]).toEqual([409, 'too_many_credentials']);
    }
    const buyerToken = (await t.signIn('buyer@acme.test')).token;
    const buyer = t.client(buyerToken);
    const credentials = await everyCredential(buyerToken);
    expect(credentials).toHaveLength(LIVE_CREDENTIALS_PER_PERSON);
    expect(credentials.map((c) => c.id)).toContain(String(hidden.id));
    // One revoked, one more may be made; other people are not touched.
    await buyer.account.revokeCredential('login_token', String(hidden.id));
    expect(await outcomeOf(makeToken(secret, 'buyer@acme.test', { use: 'integration' }))).toBe(
      'ok',
    );
    expect(await outcomeOf(makeToken(secret, 'member@acme.test', { use: 'email' }))).toBe('ok');
  });

  it('the person sees the live ones made for them under Account, and revokes each', async () => {
    const integration = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
      extra: 'ERP',
    });
    const session = await redeemToken(integration.token);
    const support = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'check the invoice view',
    });
    expect(support).toEqual(handedOverLink);
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    const listed = await buyer.account.credentials();
    expect(listed.credentials).toHaveLength(2);
    expect(listed.credentials).toEqual(
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
    for (const credential of listed.credentials) {
      const revoked = buyer.account.revokeCredential(credential.kind, credential.id);
      expect(await outcomeOf(revoked)).toBe('ok');
    }
    expect((await refusal(redeemToken(integration.token))).code).toBe('link_revoked');
    expect((await refusal(redeemLink(support.url, ops))).code).toBe('link_revoked');
    // The session the integration's token had opened ends with it.
    expect(await sessionStatus(session.token)).toBe(401);
    expect(await events('credential.revoked')).toHaveLength(2);
    const empty = await buyer.account.credentials();
    expect(empty.credentials).toEqual([]);
    // Someone else's credential, or a dead one, is not found.
    const jane = await t.signIn('member@acme.test');
    const notHers = t
      .client(jane.token)
      .account.revokeCredential('login_token', String(integration.id));
    expect(await outcomeOf(notHers)).toBe(404);
  });

  it('lists every credential someone else holds, however many links the person was emailed after it', async () => {
    await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'check the invoice view',
    });
    const [handover] = await rowsWhere(t.ts, 'oneClickLinks', { purpose: 'support' });
    // Anyone may ask for a sign-in link in the buyer's name; each is theirs, newer than it.
    const buyerId = ids.userId('buyer@acme.test');
    const now = t.clock.now();
    await insertRows(
      t.ts,
      'oneClickLinks',
      Array.from({ length: 200 }, (_, i) => ({
        id: `self-${i}`,
        userId: buyerId,
        secretHash: sha256(`self-${i}`),
        createdAt: now + 1 + i,
        expiresAt: now + 60 * 60_000,
        credentialFingerprint: handover?.credentialFingerprint ?? '',
        createdByUserId: buyerId,
      })),
    );
    // Newest first, it is on the last page: every page leads to it.
    const credentials = await everyCredential((await t.signIn('buyer@acme.test')).token);
    expect(credentials).toHaveLength(201);
    expect(credentials.at(-1)).toEqual(
      expect.objectContaining({ kind: 'one_click', id: handover?.id, purpose: 'support' }),
    );
  });

  it('revoking a support token ends the impersonation it started', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
    const started = await redeemToken(made.token, ops);
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.revokeCredential('login_token', String(made.id));
    expect(await sessionStatus(started.token)).toBe(401);
    expect((await rowsOf(t.ts, 'impersonations'))[0]?.endReason).toBe('revoked');
  });

  it('a handover link already used is withdrawn while its impersonation runs, which ends it', async () => {
    const made = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'check the invoice view',
    });
    const started = await redeemLink(made.url, ops);
    const [link] = await rowsWhere(t.ts, 'oneClickLinks', { purpose: 'support' });
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    const revoke = () => buyer.account.revokeCredential('one_click', link?.id ?? '');
    expect(await outcomeOf(revoke())).toBe('ok');
    expect(await sessionStatus(started.token)).toBe(401);
    expect((await rowsOf(t.ts, 'impersonations'))[0]?.endReason).toBe('revoked');
    // Ended, nothing of it runs: withdrawing it again is "not found", as a link never used.
    expect(await outcomeOf(revoke())).toBe(404);
    expect(await events('credential.revoked')).toHaveLength(1);
  });

  it('lists a used support token and handover link first, in use, while their impersonation runs, and not once it ends', async () => {
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    const older = await makeToken(ops, 'buyer@acme.test', { use: 'email' });
    t.clock.advance(1);
    const emailed = await makeToken(ops, 'buyer@acme.test', { use: 'email' });
    const token = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
    await redeemToken(token.token, ops);
    const inUse = (await buyer.account.credentials()).credentials;
    expect(inUse.map((c) => [c.kind, c.id, c.inUse])).toEqual([
      ['login_token', String(token.id), true],
      ['login_token', String(emailed.id), false],
      ['login_token', String(older.id), false],
    ]);
    expect(inUse[0]).toMatchObject({ purpose: 'support', reason: 'billing', uses: 1 });
    // Not among those I hold, nor again on a later page.
    expect((await buyer.account.credentials({ heldBy: 'me' })).credentials).toHaveLength(2);
    const first = await buyer.account.credentials({ limit: 1 });
    const next = await buyer.account.credentials({ limit: 1, cursor: first.nextCursor ?? '' });
    expect([...first.credentials, ...next.credentials].map((c) => [c.id, c.inUse])).toEqual([
      [String(token.id), true],
      [String(emailed.id), false],
      [String(older.id), false],
    ]);
    expect(next.nextCursor).toBeNull();

    // A handover link used after it (one impersonation a session: the token's ends as replaced).
    const link = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'check the invoice view',
    });
    await redeemLink(link.url, ops);
    const [handover] = (await buyer.account.credentials()).credentials;
    expect(handover).toMatchObject({ kind: 'one_click', purpose: 'support', inUse: true, uses: 1 });
    expect((await buyer.account.credentials()).credentials.filter((c) => c.inUse)).toHaveLength(1);

    // Past its end, though nothing has settled it yet, it is in use no more.
    t.clock.advance(61 * 60_000);
    expect((await buyer.account.credentials()).credentials.filter((c) => c.inUse)).toEqual([]);
  });

  it('a used support token is listed in use on a page of one, though a live token of the person also runs an impersonation, itself marked in use', async () => {
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    // A reusable support token, still live after its use: listed as live, not in use.
    const reusable = await makeToken(ops, 'buyer@acme.test', {
      use: 'support',
      reason: 'billing',
      oneTimeUse: false,
    });
    await redeemToken(reusable.token, ops);
    t.clock.advance(1);
    // A one-time support token used from another of the maker's sessions: in use only.
    const elsewhere = (await t.signIn('ops@onbehalf.test')).token;
    const used = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'refund' });
    await redeemToken(used.token, elsewhere);

    const page = (await buyer.account.credentials({ limit: 1 })).credentials;
    // The used one is shown nowhere else: it must be first, as in use; the live one is in use
    // too, in its place.
    expect(page.map((c) => [c.id, c.inUse])).toEqual([
      [String(used.id), true],
      [String(reusable.id), true],
    ]);
  });

  it('a reusable integration token that ran out is withdrawn while a session it opened lives', async () => {
    const made = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      oneTimeUse: false,
      expiresAt: new Date(t.clock.now() + 10 * 60_000).toISOString(),
    });
    const opened = await redeemToken(made.token);
    t.clock.advance(30 * 60_000);
    expect(await sessionStatus(opened.token)).toBe('ok');
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    const revoke = () => buyer.account.revokeCredential('login_token', String(made.id));
    expect(await outcomeOf(revoke())).toBe('ok');
    expect(await sessionStatus(opened.token)).toBe(401);
    expect(await outcomeOf(revoke())).toBe(404);
  });

  it('a credential that has expired is "not found" when its person revokes it, and nothing is written', async () => {
    // One of each kind, made for the buyer by someone else, both run out.
    await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'check the invoice view',
      expiresInMinutes: 5,
    });
    const [link] = await rowsWhere(t.ts, 'oneClickLinks', { purpose: 'support' });
    const token = await makeToken(ops, 'buyer@acme.test', {
      use: 'integration',
      expiresAt: new Date(t.clock.now() + 10 * 60_000).toISOString(),
    });
    t.clock.advance(30 * 60_000);
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    // The Account list no longer shows them: they are dead, as a used one is.
    expect((await buyer.account.credentials()).credentials).toEqual([]);

    // Revoking a dead credential, as one used or someone else's, is "not found"
    // (revokeCredentialMadeFor; the port: "no such live credential of theirs"), and a 404
    // changes nothing: the rows stay as they ended and the trail records no withdrawal.
    const outcomes = [
      await outcomeOf(buyer.account.revokeCredential('one_click', link?.id ?? '')),
      await outcomeOf(buyer.account.revokeCredential('login_token', String(token.id))),
    ];
    const [linkAfter] = await rowsWhere(t.ts, 'oneClickLinks', { id: link?.id ?? '' });
    const [tokenAfter] = await rowsWhere(t.ts, 'loginTokens', { id: token.id });
    expect({
      outcomes,
      linkRevokedAt: linkAfter?.revokedAt,
      tokenDeletedAt: tokenAfter?.deletedAt,
      revokedEvents: (await events('credential.revoked')).length,
    }).toEqual({
      outcomes: [404, 404],
      linkRevokedAt: null,
      tokenDeletedAt: null,
      revokedEvents: 0,
    });
  });
});

describe('the Account list of credentials made for me comes a page at a time (SPEC §8b)', () => {
  const path = '/api/public/account/credentials';
  /** A line of the list as a test names it. */
  const keyOf = (credential: { kind: string; id: string }) => `${credential.kind}:${credential.id}`;

  /**
   * Live links and tokens made for the member (two profiles: Acme and Globex) at 40 instants,
   * several of each kind at most instants (links only at the oldest), and beside them the dead
   * ones and someone else's, at the same instants. Link ids mix cases, so that only byte order
   * is the list's order; a token's id grows against its instant. Returns the live ones in the
   * list's order: newest first, at one instant links before tokens, each kind by the higher id.
   * `mixed`: some of them the member's own (links emailed to them, tokens for their email),
   * some tokens made before a token said its use, the rest held by others.
   */
  async function manyCredentials(mixed = false) {
    const member = ids.userId('member@acme.test');
    const profiles = [
      ids.profileId('member@acme.test', 'Acme Corp'),
      ids.profileId('member@acme.test', 'Globex Inc'),
    ];
    const now = t.clock.now();
    const instantOf = (k: number) => now - (40 - k) * 1_000;
    const links: Parameters<typeof insertRows<'oneClickLinks'>>[2] = [];
    const tokens: Parameters<typeof insertRows<'loginTokens'>>[2] = [];
    const link = (
      id: string,
      createdAt: number,
      more: {
        usedAt?: number;
        revokedAt?: number;
        userId?: number;
        delivery?: 'email';
        purpose?: 'delivered';
      } = {},
    ) =>
      links.push({
        id,
        userId: member,
        secretHash: sha256(id),
        createdAt,
        expiresAt: now + 86_400_000,
        credentialFingerprint: 'fp',
        createdByUserId: ids.userId('ops@onbehalf.test'),
        delivery: 'handover',
        purpose: 'support',
        reason: 'paging',
        ...more,
      });
    const token = (
      profileId: number,
      createdAt: number,
      more: { deletedAt?: number; expiresAt?: number; use?: 'email' | 'support' | null } = {},
    ) =>
      tokens.push({
        secretHash: sha256(`token-${tokens.length}`),
        profileId,
        createdAt,
        expiresAt: now + 86_400_000,
        oneTimeUse: false,
        use: 'integration',
        extra: `Token ${tokens.length}`,
        createdByUserId: ids.userId('ops@onbehalf.test'),
        ...more,
      });
    for (let k = 0; k < 40; k++) {
      for (let j = 0; j <= k % 3; j++) {
        const hash = sha256(`${k}-${j}`).slice(0, 8);
        const emailed =
          mixed && j === 1 ? ({ delivery: 'email', purpose: 'delivered' } as const) : {};
        link(`${j % 2 === 0 ? 'l' : 'L'}-${hash}`, instantOf(k), emailed);
      }
      link(`used-${k}`, instantOf(k), { usedAt: now });
      link(`revoked-${k}`, instantOf(k), { revokedAt: now });
      link(`theirs-${k}`, instantOf(k), { userId: ids.userId('buyer@acme.test') });
    }
    // Newest instant first, so that a token's id says nothing of its instant.
    for (let k = 39; k >= 0; k--) {
      // The oldest instants have links only: the last pages hold one kind.
      const use = mixed
        ? ([{ use: 'email' }, { use: null }, { use: 'support' }] as const)[k % 3]
        : {};
      if (k >= 6)
        for (let j = 0; j <= k % 2; j++) token(profiles[(k + j) % 2] ?? 0, instantOf(k), use);
      token(profiles[k % 2] ?? 0, instantOf(k), { deletedAt: now });
      token(profiles[k % 2] ?? 0, instantOf(k), { expiresAt: now });
      token(ids.profileId('buyer@acme.test'), instantOf(k));
    }
    const madeLinks = await insertRows(t.ts, 'oneClickLinks', links);
    const madeTokens = await insertRows(t.ts, 'loginTokens', tokens);
    const live = [
      ...madeLinks
        .filter((l) => l.userId === member && l.usedAt === null && l.revokedAt === null)
        .map((l) => ({
          at: l.createdAt,
          kind: 0,
          id: l.id,
          key: `one_click:${l.id}`,
          holder: l.purpose === 'delivered' ? 'me' : 'others',
        })),
      ...madeTokens
        .filter(
          (k) => profiles.includes(k.profileId ?? 0) && k.deletedAt === null && k.expiresAt > now,
        )
        .map((k) => ({
          at: k.createdAt,
          kind: 1,
          id: k.id,
          key: `login_token:${k.id}`,
          holder: k.use === 'email' ? 'me' : 'others',
        })),
    ];
    const byId = (a: string | number, b: string | number) => (a < b ? 1 : a > b ? -1 : 0);
    live.sort((a, b) => b.at - a.at || a.kind - b.kind || byId(a.id, b.id));
    return live.map(({ key, holder }) => ({ key, holder }));
  }

  it('walks more than 100 links and tokens page by page, newest first, each exactly once, ties at one instant included', async () => {
    const expected = (await manyCredentials()).map((line) => line.key);
    expect(expected.length).toBeGreaterThan(100);
    const member = (await t.signIn('member@acme.test')).token;
    for (const limit of [7, 100]) {
      const pages = await everyPage((cursor) =>
        t.client(member).account.credentials({ limit, cursor }),
      );
      const sizes = pages.map((page) => page.credentials.length);
      // Every page full but the last, which is not empty.
      expect(
        sizes.slice(0, -1).every((size) => size === limit),
        `limit ${limit}`,
      ).toBe(true);
      expect(sizes.at(-1)).toBeGreaterThan(0);
      expect(sizes.at(-1)).toBeLessThanOrEqual(limit);
      expect(pages.flatMap((page) => page.credentials.map(keyOf))).toEqual(expected);
    }
    // Asked for no size, a page is 50 with where to go on.
    const first = await t.client(member).account.credentials();
    expect(first.credentials.map(keyOf)).toEqual(expected.slice(0, 50));
    expect(first.nextCursor).not.toBeNull();
  });

  it('lists only those others hold, or only mine, when asked: each once, in order, page by page', async () => {
    const lines = await manyCredentials(true);
    const member = (await t.signIn('member@acme.test')).token;
    for (const heldBy of ['others', 'me'] as const) {
      const expected = lines.filter((line) => line.holder === heldBy).map((line) => line.key);
      expect(expected.length, heldBy).toBeGreaterThan(14);
      const pages = await everyPage((cursor) =>
        t.client(member).account.credentials({ limit: 7, cursor, heldBy }),
      );
      expect(
        pages.flatMap((page) => page.credentials.map(keyOf)),
        heldBy,
      ).toEqual(expected);
      const purposes = new Set(pages.flatMap((page) => page.credentials.map((c) => c.purpose)));
      expect(purposes, heldBy).toEqual(
        new Set(heldBy === 'me' ? ['delivered'] : ['support', 'integration']),
      );
    }
    // Asked for neither, every one of them.
    const all = await everyPage((cursor) =>
      t.client(member).account.credentials({ limit: 100, cursor }),
    );
    expect(all.flatMap((page) => page.credentials.map(keyOf))).toEqual(
      lines.map((line) => line.key),
    );
    await expectRefused(path, member, ['heldBy=anyone', 'heldBy=', 'heldBy=me&heldBy=others']);
  });

  it('keeps what each line says across pages: its maker by name and role, its organization, its reason', async () => {
    await manyCredentials();
    const member = (await t.signIn('member@acme.test')).token;
    const pages = await everyPage((cursor) =>
      t.client(member).account.credentials({ limit: 30, cursor }),
    );
    const lines = pages.flatMap((page) => page.credentials);
    const operator = { kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' };
    expect(new Set(lines.map((line) => JSON.stringify(line.maker)))).toEqual(
      new Set([JSON.stringify(operator)]),
    );
    expect(JSON.stringify(lines)).not.toContain('ops@onbehalf.test');
    expect(
      new Set(lines.filter((l) => l.kind === 'login_token').map((l) => l.organizationName)),
    ).toEqual(new Set(['Acme Corp', 'Globex Inc']));
    expect(lines.find((l) => l.kind === 'one_click')).toEqual(
      expect.objectContaining({
        purpose: 'support',
        reason: 'paging',
        name: 'Sign-in link for support',
      }),
    );
  });

  it('refuses a page too large or a cursor this list did not give out, with a 400, never a 500', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const now = t.clock.now();
    await expectRefused(path, buyer.token, [
      'limit=101',
      'limit=0',
      'limit=ten',
      'cursor=not-a-cursor',
      `cursor=${encodeCursor([now, 'passkey', '1'])}`,
      `cursor=${encodeCursor([now, 'login_token', 'one'])}`,
      `cursor=${encodeCursor([now, 'login_token', '1', 'more'])}`,
      `cursor=${encodeCursor([String(now), 'one_click', 'a'])}`,
      `cursor=${encodeCursor([now, 'one_click', 'a\u0000b'])}`,
      `cursor=${encodeCursor([now, 'one_click', 'a\ud800b'])}`,
    ]);
    // Well-formed but made up: answered from where it says, past what any column holds.
    const made = await makeToken(ops, 'buyer@acme.test', { use: 'integration' });
    for (const key of [
      [now, 'login_token', '999999999999999'],
      [now + 1, 'one_click', 'zzzz'],
    ]) {
      const res = await t.call('GET', `${path}?cursor=${encodeCursor(key)}`, {
        token: buyer.token,
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        credentials: [expect.objectContaining({ id: String(made.id) })],
        nextCursor: null,
      });
    }
  });
});

describe('provisioning and API keys', () => {
  it('provisioning creates members only: an owner or admin is refused and nothing is made', async () => {
    const before = await countOf(t.ts, 'users');
    for (const role of ['owner', 'admin'] as const) {
      const provisioned = t
        .client(ops)
        .sys.provisionUser({ email: `${role}@new.test`, name: 'New', organizationId: 1, role });
      await expect(provisioned).rejects.toMatchObject({ status: 403, code: 'members_only' });
    }
    expect(await countOf(t.ts, 'users')).toBe(before);
  });

  it('a superadmin raises a member to admin with a reason, audited; without one it is a 400', async () => {
    const root = await t.signIn('root@onbehalf.test');
    const profileId = ids.profileId('buyer@acme.test');
    // Raw: a body without the reason the types require.
    const noReason = await t.call('PUT', `/api/sys/profiles/${profileId}/role`, {
      token: root.token,
      body: { role: 'admin' },
    });
    expect(noReason.status).toBe(400);
    const raised = await t.client(root.token).sys.setProfileRole(profileId, {
      role: 'admin',
      reason: 'the owner asked by phone, ticket 42',
    });
    expect(raised.permissions).toContain('team:impersonate');
    const event = (await events('team.member_updated')).at(-1);
    expect(event).toMatchObject({
      reason: 'the owner asked by phone, ticket 42',
      actorUserId: ids.userId('root@onbehalf.test'),
    });
    const opsTry = t
      .client(ops)
      .sys.setProfileRole(profileId, { role: 'owner', reason: 'because' });
    expect(await outcomeOf(opsTry)).toBe(403);
  });

  it('an API key acts only for its organizations’ people', async () => {
    const { secret } = await superadminApiKey(
      ['one-click-links:create', 'login-tokens:manage', 'users:provision'],
      ['Globex Inc'],
    );
    const key = t.client(secret);
    const link = key.sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') });
    expect(await outcomeOf(link)).toBe(404);
    const token = makeToken(secret, 'buyer@acme.test', { use: 'integration' });
    expect(await outcomeOf(token)).toBe(404);
    const provision = key.sys.provisionUser({
      email: 'x@acme.test',
      name: 'X',
      organizationId: ids.organizationId('Acme Corp'),
    });
    expect(await outcomeOf(provision)).toBe(404);
    // Jane is also of Globex: an emailed link to her is the key's to send.
    const jane = await key.sys.emailOneClickLink({ userId: ids.userId('member@acme.test') });
    // What only the 202 of an emailed link carries: where it went, never the link.
    expect(jane).toEqual({ sentTo: expect.any(String), expiresAt: expect.any(String) });
  });

  it('an API key learns nothing of people outside its organizations, staff above all', async () => {
    const { secret } = await superadminApiKey(
      ['one-click-links:create', 'users:provision', 'users:read'],
      ['Globex Inc'],
    );
    const key = t.client(secret);
    const globex = ids.organizationId('Globex Inc');
    // Provisioning an address that has an account elsewhere, or an operator's: a conflict that
    // names nobody. Jane, who works at Globex too, is the key's to see.
    for (const email of ['root@onbehalf.test', 'buyer@acme.test']) {
      const res = await t.call('POST', '/api/sys/users', {
        token: secret,
        body: { email, name: 'X', organizationId: globex },
      });
      expect(res.status).toBe(409);
      expect(JSON.stringify(res.json)).not.toMatch(/Rita|Ben|superadmin|operator/);
    }
    const jane = await key.sys.provisionUser({
      email: 'member@acme.test',
      name: 'X',
      organizationId: globex,
    });
    expect(jane).toMatchObject({ created: false, user: { email: 'member@acme.test' } });
    // A link for an operator, or for another tenant's disabled customer: as for no one at all.
    await updateRows(t.ts, 'users', { status: 'disabled' }, { email: 'solo@example.test' });
    for (const email of ['root@onbehalf.test', 'solo@example.test']) {
      const refused = await refusal(key.sys.emailOneClickLink({ userId: ids.userId(email) }));
      expect([refused.status, refused.code]).toEqual([404, 'not_found']);
    }
    // Admin › Users through the key: a person's profiles in its organizations only.
    const { users } = await key.sys.users({ query: 'Jane' });
    expect(users.flatMap((u) => u.profiles.map((p) => p.organizationName))).toEqual(['Globex Inc']);
    // Nor where else its people work: another tenant's name finds no one (Jane is at Acme
    // Corp too), as a name no tenant has; its own organization's name finds its people.
    const emailsFound = async (query: string) =>
      (await key.sys.users({ query })).users.map((u) => u.email);
    expect(await emailsFound('Corp')).toEqual([]);
    expect(await emailsFound('Initech')).toEqual([]);
    expect(await emailsFound('Globex')).toContain('member@acme.test');
  });

  it('an API key never sees nor deletes an operator’s support token, even for its people', async () => {
    const { secret } = await superadminApiKey(['login-tokens:manage'], ['Acme Corp']);
    const support = await makeToken(ops, 'buyer@acme.test', {
      use: 'support',
      reason: 'Private: a fraud complaint',
    });
    const integration = await makeToken(ops, 'buyer@acme.test', { use: 'integration' });
    const key = t.client(secret);
    const listed = (await key.loginTokens.list()).tokens.map((tk) => tk.id);
    expect(listed).toContain(integration.id);
    expect(listed).not.toContain(support.id);
    expect((await refusal(key.loginTokens.details(support.id))).status).toBe(404);
    expect((await refusal(key.loginTokens.remove(support.id))).status).toBe(404);
    expect(await rowWhere(t.ts, 'loginTokens', { id: support.id })).toMatchObject({
      deletedAt: null,
    });
  });

  it('expire after 90 days by default, at most a year, and show who made them', async () => {
    const { id, root } = await superadminApiKey(['users:read']);
    const keys = t.client(root).apiKeys;
    const key = (await keys.list()).keys.find((k) => k.id === id);
    expect(Date.parse(key?.expiresAt ?? '') - t.clock.now()).toBe(90 * 86_400_000);
    expect(key).toMatchObject({ createdBy: 'Rita Rossi', organizations: [{ name: 'Acme Corp' }] });
    const tooLong = keys.create({
      name: 'x',
      scopes: ['users:read'],
      organizationIds: [1],
      expiresInDays: 400,
    });
    expect(await outcomeOf(tooLong)).toBe(400);
    const noOrganization = keys.create({ name: 'x', scopes: ['users:read'], organizationIds: [] });
    expect(await outcomeOf(noOrganization)).toBe(400);
  });

  it('an expired key is refused', async () => {
    const { secret } = await superadminApiKey(['users:read']);
    t.clock.advance(90 * 86_400_000);
    expect(await outcomeOf(t.client(secret).sys.users())).toBe(401);
  });
});

describe('refusals and reads are audited, and a flood writes two events a minute', () => {
  it('a refused impersonation names the rule; fifty in a minute are one event and one count', async () => {
    const admin = await t.signIn('admin@acme.test');
    const owner = ids.profileId('owner@acme.test');
    const issue = () => t.client(admin.token).impersonation.teamHandoff(owner);
    for (let i = 0; i < 50; i++) {
      expect((await refusal(issue())).code).toBe('impersonation_upward');
    }
    const refused = await events('impersonation.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actorUserId: ids.userId('admin@acme.test'),
      subjectUserId: ids.userId('owner@acme.test'),
      details: { rule: 'upward', door: 'team' },
    });
    t.clock.advance(60_000);
    await refusal(issue());
    const summary = await events('audit.repeated');
    expect(summary).toHaveLength(1);
    expect(summary[0]?.details).toMatchObject({
      type: 'impersonation.refused',
      rule: 'upward',
      repeats: 49,
    });
    expect(await events('impersonation.refused')).toHaveLength(2);
  });

  it('a credential redeemed from inside an impersonation is a refused nested one, audited', async () => {
    const { link } = await supportTokenAndHandover();
    const token = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
    const issued = await t.client(ops).impersonation.operatorHandoff({
      userId: ids.userId('solo@example.test'),
      reason: 'see as solo',
    });
    const acting = await t.client(ops).impersonation.exchange(issued.token);
    const viaLink = redeemLink(link.url, acting.token);
    await expect(viaLink).rejects.toMatchObject({ code: 'impersonation_restricted' });
    const viaToken = redeemToken(token.token, acting.token);
    await expect(viaToken).rejects.toMatchObject({ code: 'impersonation_restricted' });
    const refused = await events('impersonation.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      actorUserId: ids.userId('ops@onbehalf.test'),
      subjectUserId: ids.userId('solo@example.test'),
      impersonationId: acting.session.actor?.impersonationId,
      details: { rule: 'nested' },
    });
  });

  it('a sensitive action refused while acting for someone is audited, whoever acts', async () => {
    const issued = await t.client(ops).impersonation.operatorHandoff({
      userId: ids.userId('buyer@acme.test'),
      reason: 'see as buyer',
    });
    const acting = t.client((await t.client(ops).impersonation.exchange(issued.token)).token);
    const newPassword = { currentPassword: 'demo-password', newPassword: 'a-much-longer-password' };
    for (let i = 0; i < 3; i++) {
      const answer = await refusal(acting.account.changePassword(newPassword));
      expect(answer.code).toBe('impersonation_restricted');
    }
    const made = await makeToken(ops, 'member@acme.test', { use: 'integration' });
    const integration = t.client((await redeemToken(made.token)).token);
    expect((await refusal(integration.auth.sessions())).code).toBe('integration_restricted');
    const refused = await events('session.action_refused');
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({
      actorUserId: ids.userId('ops@onbehalf.test'),
      subjectUserId: ids.userId('buyer@acme.test'),
      impersonationId: expect.any(String),
      details: { rule: 'impersonating', route: 'PUT /api/public/account/password' },
    });
    expect(refused[1]).toMatchObject({
      actorUserId: ids.userId('member@acme.test'),
      details: {
        rule: 'integration',
        route: 'GET /api/public/auth/sessions',
        via: { kind: 'login_token', id: String(made.id) },
      },
    });
  });

  it('a failed hand-off exchange is audited with its reason', async () => {
    const admin = await t.signIn('admin@acme.test');
    const forged = t
      .client(admin.token)
      .impersonation.exchange(`${'0'.repeat(26)}.${'A'.repeat(43)}`);
    expect(await outcomeOf(forged)).toBe(400);
    expect((await events('impersonation.exchange_failed'))[0]?.details).toMatchObject({
      rule: 'handoff_invalid',
    });
  });

  it('reads and exports of the audit trail are audited, by whom and through which door', async () => {
    const root = await t.signIn('root@onbehalf.test');
    await t.client(root.token).audit.list();
    // Raw: an export is a download from the client's link, not a typed call.
    const exported = await t.app.request(t.client(root.token).audit.exportUrl('csv'), {
      headers: { authorization: `Bearer ${root.token}` },
    });
    expect(exported.status).toBe(200);
    const owner = await t.signIn('owner@acme.test');
    await t.client(owner.token).audit.teamList();
    const reads = await events('audit.read');
    expect(reads.map((e) => [e.actorUserId, e.details?.scope])).toEqual([
      [ids.userId('root@onbehalf.test'), 'sys'],
      [ids.userId('owner@acme.test'), 'team'],
    ]);
    expect((await events('audit.exported'))[0]).toMatchObject({
      actorUserId: ids.userId('root@onbehalf.test'),
      details: { format: 'csv' },
    });
  });

  it('what each read asked is on the record: another read in the same minute is written in full, only the same one again is counted', async () => {
    const support = (await t.signIn('support@onbehalf.test')).token;
    const customer = ids.userId('solo@example.test');
    const exportOf = async (format: 'ndjson' | 'csv', query: Record<string, unknown>) => {
      const url = t.client(support).audit.exportUrl(format, query);
      const res = await t.app.request(url, { headers: { authorization: `Bearer ${support}` } });
      expect(res.status).toBe(200);
      await res.text();
    };
    // Something nobody would question, then, in the same minute, what was really wanted.
    await exportOf('ndjson', { type: 'settings.changed' });
    await exportOf('csv', { subjectUserId: customer });
    // The same one again is a repeat: counted, not written.
    await exportOf('csv', { subjectUserId: customer });
    await exportOf('csv', { subjectUserId: customer });
    // An impersonation's report, and the outbox to an address, are reads of what they name.
    const reports = [
      await teamImpersonationWithOrder(t, 'first'),
      await teamImpersonationWithOrder(t, 'second'),
    ];
    const admin = (await t.signIn('admin@acme.test')).token;
    for (const id of reports) await t.client(admin).audit.teamImpersonation(id);
    await t.client(ops).sys.outbox({ query: 'member@acme.test' });
    await t.client(ops).sys.outbox({ query: 'buyer@acme.test' });

    const exported = await events('audit.exported');
    expect(exported.map((e) => [e.actorUserId, e.details])).toEqual([
      [
        ids.userId('support@onbehalf.test'),
        { scope: 'sys', format: 'ndjson', filters: { type: ['settings.changed'] } },
      ],
      [
        ids.userId('support@onbehalf.test'),
        { scope: 'sys', format: 'csv', filters: { subjectUserId: customer } },
      ],
    ]);
    expect((await events('audit.read')).map((e) => e.details?.impersonationId)).toEqual(reports);
    expect((await events('outbox.read')).map((e) => e.details)).toEqual([
      { to: 'member@acme.test' },
      { to: 'buyer@acme.test' },
    ]);
    // The minute's summary says which read was repeated, and how often: exactly.
    t.clock.advance(60_000);
    await t.client(ops).sys.outbox();
    const summaries = await events('audit.repeated');
    expect(summaries.map((e) => [e.actorUserId, e.details])).toEqual([
      [
        ids.userId('support@onbehalf.test'),
        {
          // On PostgreSQL, the counter rows it took (ADR 048).
          ...(t.ts.dialect === 'postgres' ? { counters: expect.any(Array) } : {}),
          type: 'audit.exported',
          rule: 'sys',
          repeats: 2,
          minute: expect.any(String),
          asked: { scope: 'sys', format: 'csv', filters: { subjectUserId: customer } },
        },
      ],
    ]);
  });
});

describe('the customer’s views name staff by name and role only', () => {
  it('the team audit shows no operator email, address or browser; the staff trail shows them', async () => {
    const buyer = ids.userId('buyer@acme.test');
    const browser = { 'user-agent': 'OperatorBrowser/1.0' };
    const operator = t.client(ops, browser);
    const issued = await operator.impersonation.operatorHandoff({
      userId: buyer,
      reason: 'order check',
    });
    const acting = await operator.impersonation.exchange(issued.token);
    await t.client(acting.token, browser).orders.place({ sku: 'PAPER-A4', quantity: 2 });
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const team = await owner.audit.teamList({ type: 'order.placed' });
    const [placed] = team.events;
    expect(placed?.actor).toMatchObject({
      name: 'Omar Haddad',
      email: null,
      operatorRole: 'admin',
    });
    expect(placed?.userAgent).toBeNull();
    expect(JSON.stringify(team)).not.toContain('ops@onbehalf.test');
    expect(JSON.stringify(team)).not.toContain('OperatorBrowser');
    const report = await owner.audit.teamImpersonation(placed?.impersonationId ?? '');
    expect(report.impersonation.actor).toMatchObject({ email: null, operatorRole: 'admin' });
    expect(JSON.stringify(report)).not.toContain('ops@onbehalf.test');

    const root = await t.signIn('root@onbehalf.test');
    const staff = await t.client(root.token).audit.list({ type: 'order.placed' });
    expect(staff.events[0]).toMatchObject({
      actor: { email: 'ops@onbehalf.test' },
      userAgent: 'OperatorBrowser/1.0',
    });
  });

  it("the person's sessions list names who holds a session as them, without their address or browser", async () => {
    const buyer = ids.userId('buyer@acme.test');
    const issued = await t
      .client(ops)
      .impersonation.operatorHandoff({ userId: buyer, reason: 'order check' });
    await t
      .client(ops, { 'user-agent': 'OperatorBrowser/1.0' })
      .impersonation.exchange(issued.token);
    const own = await t.signIn('buyer@acme.test');
    const listed = await t.client(own.token).auth.sessions();
    const held = listed.sessions.find((s) => s.actingAs !== null);
    expect(held).toMatchObject({
      actingAs: { name: 'Omar Haddad', kind: 'operator', operatorRole: 'admin' },
      ip: null,
      userAgent: null,
    });
    expect(JSON.stringify(listed)).not.toContain('OperatorBrowser');
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
    const [link] = await rowsWhere(t.ts, 'oneClickLinks', { userId });
    expect(link).toMatchObject({ purpose: 'delivered', delivery: 'email' });
  });
});

/**
 * Every event of an impersonation names who really acted, whom they acted as, and the
 * impersonation (SPEC §4 rule 9, §7), a handover's own use and a preview made while acting
 * included (found by a review: both named the person acted as, with no impersonation).
 */
describe('what a credential does while someone acts as another is the actor’s in the trail', () => {
  const acted = (type: AuditEventType) =>
    events(type).then((rows) =>
      rows.map((e) => [e.actorUserId, e.actorKind, e.subjectUserId, e.impersonationId]),
    );
  const opsActingAs = (impersonationId: string | undefined) => [
    [ids.userId('ops@onbehalf.test'), 'operator', ids.userId('buyer@acme.test'), impersonationId],
  ];

  it('a support token or a handover link used by its maker: the maker’s act, in the impersonation it starts', async () => {
    const token = await makeToken(ops, 'buyer@acme.test', { use: 'support', reason: 'billing' });
    const fromToken = await redeemToken(token.token ?? '', ops);
    expect(await acted('login_token.used')).toEqual(
      opsActingAs(fromToken.session.actor?.impersonationId),
    );
    const link = await makeLink(ops, {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'see the order page as the buyer does',
    });
    // From another of the maker's sessions: one own session runs one impersonation at a time.
    const elsewhere = (await t.signIn('ops@onbehalf.test')).token;
    const fromLink = await redeemLink(link.url, elsewhere);
    expect(await acted('one_click.redeemed')).toEqual(
      opsActingAs(fromLink.session.actor?.impersonationId),
    );
  });

  it('a link or token that no longer works, previewed while acting as its person: the actor tried it', async () => {
    // The buyer's own emailed token, used: the link in an old mail.
    await makeToken(ops, 'buyer@acme.test', { use: 'email' });
    const mailed = t.latestMail('buyer@acme.test').text;
    const loginToken = decodeURIComponent(/token=([^\s]+)/.exec(mailed)?.[1] ?? '');
    await redeemToken(loginToken);
    const { token: handoff } = await t.client(ops).impersonation.operatorHandoff({
      userId: ids.userId('buyer@acme.test'),
      reason: 'checking the basket',
    });
    const acting = await t.client(ops).impersonation.exchange(handoff);
    const asBuyer = t.client(acting.token);
    const impersonationId = acting.session.actor?.impersonationId;

    expect((await asBuyer.links.previewLoginToken(loginToken)).status).toBe('used');
    expect(await acted('login_token.failed')).toEqual(opsActingAs(impersonationId));
    const forged = { userId: ids.userId('buyer@acme.test'), hash: 'x'.repeat(43) };
    expect((await asBuyer.links.previewOneClick(forged)).status).toBe('invalid');
    expect(await acted('one_click.failed')).toEqual([
      [ids.userId('ops@onbehalf.test'), 'operator', null, impersonationId],
    ]);
  });
});
