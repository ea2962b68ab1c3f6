import { sessionResponse } from '@onbehalf/contracts/auth';
import { handoffResponse, type OperatorImpersonateQuery } from '@onbehalf/contracts/impersonation';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { HANDOFF_TTL_MS } from '../../domain/impersonation/policy.ts';
import { rules } from '../../lib/rate-limit.ts';
import { SESSION_JWT_AUDIENCE } from '../../lib/session-jwt.ts';
import { DEMO_PASSWORD } from '../../store/demo.ts';
import { countOf, rowsOf, rowsWhere, updateRows } from '../../store/test-rows.ts';
import {
  createTestApp,
  demoIds,
  ORIGIN,
  outcomeOf,
  refusal,
  sessionCookieFrom,
  type TestApp,
} from '../../test/harness.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
});

const teamIssue = (token: string | undefined, profileId: number, reason?: string) =>
  t.client(token).impersonation.teamHandoff(profileId, reason);

const operatorIssue = (token: string, query: OperatorImpersonateQuery) =>
  t.client(token).impersonation.operatorHandoff(query);

const exchange = (token: string | undefined, handoff: string) =>
  t.client(token).impersonation.exchange(handoff);

/** The impersonation a session is one of; fails the test for any other session. */
function impersonationOf(session: { actor?: { impersonationId: string } | null }) {
  const id = session.actor?.impersonationId;
  if (!id) throw new Error('not an impersonation session');
  return id;
}

/** Admin signs in as the buyer through the team door, by bearer. */
async function adminAsBuyer(reason = 'checking an order') {
  const admin = await t.signIn('admin@acme.test');
  const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'), reason);
  const imp = await exchange(admin.token, issued.token);
  return { admin, handoff: issued.token, imp, impersonationId: impersonationOf(imp.session) };
}

/** Support acts as the buyer through the operator door (reason "ticket"): the exchange. */
async function supportAsBuyer() {
  const support = await t.signIn('support@onbehalf.test');
  const issued = await operatorIssue(support.token, {
    userId: ids.userId('buyer@acme.test'),
    reason: 'ticket',
  });
  return exchange(support.token, issued.token);
}

const sessionOf = (token: string | undefined) => t.client(token).auth.session();
/** `ok`, or the status a session read is refused with. */
const sessionStatus = (token: string | undefined) => outcomeOf(sessionOf(token));

async function setOrg(name: string, values: Parameters<typeof updateRows<'organizations'>>[2]) {
  await updateRows(t.ts, 'organizations', values, { name });
}

const setUser = (email: string, values: Parameters<typeof updateRows<'users'>>[2]) =>
  updateRows(t.ts, 'users', values, { email });

/** The first impersonation recorded, the only one in most tests. */
const firstImpersonation = async () => (await rowsOf(t.ts, 'impersonations'))[0];

/** The sessions that act as someone. */
const impersonationSessions = async () =>
  (await rowsOf(t.ts, 'sessions')).filter((s) => s.impersonationId !== null);

describe('team door permission matrix', () => {
  const cases: [actor: string, target: string, org: string, status: number, code?: string][] = [
    ['owner@acme.test', 'admin@acme.test', 'Acme Corp', 200],
    ['owner@acme.test', 'member@acme.test', 'Acme Corp', 200],
    ['owner@acme.test', 'buyer@acme.test', 'Acme Corp', 200],
    ['owner@acme.test', 'owner@acme.test', 'Acme Corp', 403, 'impersonation_self'],
    ['owner@acme.test', 'member@acme.test', 'Globex Inc', 404, 'not_found'],
    ['admin@acme.test', 'owner@acme.test', 'Acme Corp', 403, 'impersonation_upward'],
    ['admin@acme.test', 'member@acme.test', 'Acme Corp', 200],
    ['admin@acme.test', 'buyer@acme.test', 'Acme Corp', 200],
    ['admin@acme.test', 'admin@acme.test', 'Acme Corp', 403, 'impersonation_self'],
    ['admin@acme.test', 'member@acme.test', 'Globex Inc', 404, 'not_found'],
    ['buyer@acme.test', 'member@acme.test', 'Acme Corp', 403, 'forbidden'],
    ['buyer@acme.test', 'owner@acme.test', 'Acme Corp', 403, 'forbidden'],
    ['solo@example.test', 'buyer@acme.test', 'Acme Corp', 404, 'not_found'],
  ];
  for (const [actor, target, org, status, code] of cases) {
    it(`${actor} → ${target} (${org}): ${status}${code ? ` ${code}` : ''}`, async () => {
      const { token } = await t.signIn(actor);
      const issued = teamIssue(token, ids.profileId(target, org));
      if (status === 200) {
        expect((await issued).token).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}\.[\w-]{43}$/);
      } else {
        expect(await refusal(issued)).toMatchObject({ status, ...(code ? { code } : {}) });
      }
    });
  }

  it('an unknown coworker is 404', async () => {
    const { token } = await t.signIn('admin@acme.test');
    expect(await outcomeOf(teamIssue(token, 987_654))).toBe(404);
  });

  it('refuses a disabled member', async () => {
    await setUser('buyer@acme.test', { status: 'disabled' });
    const { token } = await t.signIn('admin@acme.test');
    const refused = await refusal(teamIssue(token, ids.profileId('buyer@acme.test')));
    expect(refused.code).toBe('impersonation_target_disabled');
  });

  it('refuses a member who opted out, and the member opts out through the API', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.setImpersonationPreference(false);
    const { token } = await t.signIn('admin@acme.test');
    await expect(teamIssue(token, ids.profileId('buyer@acme.test'))).rejects.toMatchObject({
      status: 403,
      code: 'impersonation_opted_out',
    });
  });

  it('is off by default: a new organization refuses until its owner switches it on', async () => {
    await setOrg('Acme Corp', { impersonationEnabled: false });
    const admin = await t.signIn('admin@acme.test');
    const refused = await refusal(teamIssue(admin.token, ids.profileId('buyer@acme.test')));
    expect(refused.code).toBe('impersonation_disabled');
    const owner = await t.signIn('owner@acme.test');
    await t.client(owner.token).team.updateSettings({ impersonationEnabled: true });
    expect(await outcomeOf(teamIssue(admin.token, ids.profileId('buyer@acme.test')))).toBe('ok');
    const [org] = await rowsWhere(t.ts, 'organizations', { name: 'Globex Inc' });
    expect(org?.impersonationEnabled).toBe(false);
  });

  it('an admin cannot change the team setting; only team:settings can', async () => {
    const admin = await t.signIn('admin@acme.test');
    await expect(
      t.client(admin.token).team.updateSettings({ impersonationEnabled: false }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it('an admin impersonating another admin cannot impersonate back from inside (no nesting)', async () => {
    const owner = await t.signIn('owner@acme.test');
    await t
      .client(owner.token)
      .team.updateMember(ids.profileId('buyer@acme.test'), { role: 'admin' });
    const { imp } = await adminAsBuyer();
    await expect(teamIssue(imp.token, ids.profileId('admin@acme.test'))).rejects.toMatchObject({
      status: 403,
      code: 'impersonation_nested',
    });
  });
});

describe('operator door permission matrix', () => {
  const cases: [actor: string, target: string, status: number, code?: string][] = [
    ['support@onbehalf.test', 'buyer@acme.test', 200],
    ['support@onbehalf.test', 'owner@acme.test', 200],
    ['support@onbehalf.test', 'support@onbehalf.test', 403, 'impersonation_self'],
    ['support@onbehalf.test', 'ops@onbehalf.test', 403, 'impersonation_upward'],
    ['support@onbehalf.test', 'root@onbehalf.test', 403, 'impersonation_upward'],
    ['ops@onbehalf.test', 'support@onbehalf.test', 200],
    ['ops@onbehalf.test', 'ops@onbehalf.test', 403, 'impersonation_self'],
    ['ops@onbehalf.test', 'root@onbehalf.test', 403, 'impersonation_upward'],
    ['root@onbehalf.test', 'support@onbehalf.test', 200],
    ['root@onbehalf.test', 'ops@onbehalf.test', 200],
    ['root@onbehalf.test', 'root@onbehalf.test', 403, 'impersonation_self'],
    ['owner@acme.test', 'buyer@acme.test', 403, 'forbidden'],
  ];
  for (const [actor, target, status, code] of cases) {
    it(`${actor} → ${target}: ${status}${code ? ` ${code}` : ''}`, async () => {
      const { token } = await t.signIn(actor);
      const issued = operatorIssue(token, {
        userId: ids.userId(target),
        reason: 'ticket follow-up',
      });
      if (status === 200) await expect(issued).resolves.toBeDefined();
      else expect(await refusal(issued)).toMatchObject({ status, ...(code ? { code } : {}) });
    });
  }

  it('refusals of who may not use the door at all are audited with their rule, and tell nothing about who exists', async () => {
    const refusedEvents = async () =>
      (await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.refused' })).map(
        (e) => (e.details as { rule?: string } | null)?.rule,
      );
    // A customer team admin: the same refusal for a real user and for an id nobody has.
    const admin = await t.signIn('admin@acme.test');
    const real = await refusal(
      operatorIssue(admin.token, { userId: ids.userId('owner@acme.test'), reason: 'let me in' }),
    );
    const nobody = await refusal(operatorIssue(admin.token, { userId: 999_999, reason: 'probe' }));
    expect(real).toMatchObject({ status: 403, code: 'forbidden' });
    expect(nobody).toMatchObject({ status: 403, code: 'forbidden' });
    // The second is a repeat of the first: counted, summarised with it a minute later.
    expect(await refusedEvents()).toEqual(['no_permission']);

    // An operator already acting as a customer: nesting, said and audited as at the team door.
    const root = await t.signIn('root@onbehalf.test');
    const issued = await operatorIssue(root.token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'Checking the basket',
    });
    const imp = await exchange(root.token, issued.token);
    const nested = await refusal(
      operatorIssue(imp.token ?? '', {
        userId: ids.userId('member@acme.test'),
        profileId: ids.profileId('member@acme.test'),
        reason: 'Nesting into another customer',
      }),
    );
    expect(nested).toMatchObject({ status: 403, code: 'impersonation_nested' });
    expect(await refusedEvents()).toEqual(['no_permission', 'nested']);
  });

  it('the opt-out does not bind support staff', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.setImpersonationPreference(false);
    const { token } = await t.signIn('support@onbehalf.test');
    const issued = operatorIssue(token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'ticket 42',
    });
    await expect(issued).resolves.toBeDefined();
  });

  it('needs a reason', async () => {
    const { token } = await t.signIn('support@onbehalf.test');
    // Raw: a query the types do not allow.
    const res = await t.call(
      'GET',
      `/api/sys/users/impersonate?userId=${ids.userId('buyer@acme.test')}`,
      { token },
    );
    expect(res.status).toBe(400);
    expect(res.error?.code).toBe('validation_failed');
  });

  it('a user with several profiles needs profileId; an unknown user is 404', async () => {
    const { token } = await t.signIn('support@onbehalf.test');
    const ambiguous = operatorIssue(token, {
      userId: ids.userId('member@acme.test'),
      reason: 'ticket 1',
    });
    expect(await outcomeOf(ambiguous)).toBe(400);
    const unknown = operatorIssue(token, { userId: 99_999, reason: 'ticket 1' });
    expect(await outcomeOf(unknown)).toBe(404);
  });

  it('refuses a disabled user', async () => {
    await setUser('buyer@acme.test', { status: 'disabled' });
    const { token } = await t.signIn('support@onbehalf.test');
    const refused = await refusal(
      operatorIssue(token, { userId: ids.userId('buyer@acme.test'), reason: 'ticket' }),
    );
    expect(refused.code).toBe('impersonation_target_disabled');
  });

  it('the global switch is settings:manage only, to change and to read, and off refuses', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const body = { operatorImpersonation: { enabled: false, maxMinutes: 60 } };
    expect(await outcomeOf(t.client(ops.token).sys.updateSettings(body))).toBe(403);
    expect(await outcomeOf(t.client(ops.token).sys.settings())).toBe(403);
    const root = await t.signIn('root@onbehalf.test');
    expect(await outcomeOf(t.client(root.token).sys.updateSettings(body))).toBe('ok');
    const support = await t.signIn('support@onbehalf.test');
    const refused = await refusal(
      operatorIssue(support.token, { userId: ids.userId('buyer@acme.test'), reason: 'ticket' }),
    );
    expect(refused.code).toBe('impersonation_disabled');
  });

  it("shows the member's Globex data when support picks that profile", async () => {
    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('member@acme.test'),
      profileId: ids.profileId('member@acme.test', 'Globex Inc'),
      reason: 'missing invoice',
      ticket: 'SUP-1234',
    });
    const started = await exchange(support.token, issued.token);
    const { orders } = await t.client(started.token).orders.list();
    expect(orders.every((o) => o.number.startsWith('SO-GLOBEX'))).toBe(true);
    expect(started.session.actor).toMatchObject({
      door: 'operator',
      reason: 'missing invoice',
      user: { email: 'support@onbehalf.test' },
    });
  });
});

describe('the hand-off token', () => {
  it('20 concurrent exchanges of one token yield exactly one session', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => exchange(admin.token, issued.token)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.filter(
        (r) =>
          r.status === 'rejected' && r.reason?.status === 409 && r.reason?.code === 'handoff_used',
      ),
    ).toHaveLength(19);
    const minted = await impersonationSessions();
    expect(minted).toHaveLength(1);
  });

  it('is refused when another session presents it, even one of the same admin', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const otherAdminSession = await t.signIn('admin@acme.test');
    const owner = await t.signIn('owner@acme.test');
    for (const token of [otherAdminSession.token, owner.token]) {
      await expect(exchange(token, issued.token)).rejects.toMatchObject({
        status: 403,
        code: 'handoff_wrong_session',
      });
    }
    expect(await outcomeOf(exchange(admin.token, issued.token))).toBe('ok');
  });

  it('is refused after 60 seconds', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    t.clock.advance(HANDOFF_TTL_MS);
    await expect(exchange(admin.token, issued.token)).rejects.toMatchObject({
      status: 410,
      code: 'handoff_expired',
    });
  });

  it('is withdrawn when the member opts out before it is used, even if they opt back in', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    await buyer.account.setImpersonationPreference(false);
    await buyer.account.setImpersonationPreference(true);
    expect(await refusal(exchange(admin.token, issued.token))).toMatchObject({
      status: 410,
      code: 'handoff_withdrawn',
    });
    const [impersonationId] = issued.token.split('.');
    const [row] = await rowsWhere(t.ts, 'impersonations', { id: impersonationId });
    expect(row).toMatchObject({ startedAt: null, sessionId: null });
    const started = await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.started' });
    expect(started).toHaveLength(0);
  });

  it('works once only, and needs a session at all', async () => {
    const { admin, handoff } = await adminAsBuyer();
    expect((await refusal(exchange(admin.token, handoff))).code).toBe('handoff_used');
    expect(await outcomeOf(exchange(undefined, handoff))).toBe(401);
  });

  it('forged and malformed tokens are 4xx, never 500', async () => {
    const admin = await t.signIn('admin@acme.test');
    // Raw: the client would encode what is under test here, escapes in the path.
    for (const bad of ['x', 'a'.repeat(43), '%00', '..%2F..', 'a'.repeat(256)]) {
      const res = await t.call('POST', `/api/public/auth/login/${bad}`, { token: admin.token });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('is stored only as a hash', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const [, secret] = issued.token.split('.');
    const dump = JSON.stringify(await rowsOf(t.ts, 'impersonations'));
    expect(secret).toHaveLength(43);
    expect(dump).not.toContain(secret);
  });

  it('names its impersonation; that id with any other secret is refused and burns nothing', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const [id, secret = ''] = issued.token.split('.');
    const row = await firstImpersonation();
    expect(id).toBe(row?.id);
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [`${id}.${flipped}`, `${id}.${secret}x`, `${id}`, `.${secret}`]) {
      await expect(exchange(admin.token, forged)).rejects.toMatchObject({
        status: 400,
        code: 'handoff_invalid',
      });
    }
    expect(await impersonationSessions()).toEqual([]);
    expect(await outcomeOf(exchange(admin.token, issued.token))).toBe('ok');
  });

  it('cannot be minted by a cross-site request', async () => {
    const admin = await t.signIn('admin@acme.test');
    // Raw: a browser's cookie and cross-site headers.
    const res = await t.call(
      'GET',
      `/api/public/coworkers/${ids.profileId('buyer@acme.test')}/impersonate`,
      {
        cookie: `ob_session=${admin.token}`,
        headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      },
    );
    expect(res.status).toBe(403);
    expect(res.error?.code).toBe('csrf_rejected');
    expect(await countOf(t.ts, 'impersonations')).toBe(0);
  });
});

describe('the impersonation session', () => {
  it('the exchange answers with exactly the session the new token then reports, at either door', async () => {
    const { imp } = await adminAsBuyer('order question');
    expect(imp.session).toEqual((await sessionOf(imp.token)).session);

    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('member@acme.test'),
      profileId: ids.profileId('member@acme.test', 'Globex Inc'),
      reason: 'missing invoice',
    });
    const started = await exchange(support.token, issued.token);
    expect(started.session).toEqual((await sessionOf(started.token)).session);
    expect(started.session.activeProfile?.organization.name).toBe('Globex Inc');
  });

  it('works for bearer clients: the session shows the actor and the impersonated factor', async () => {
    const { admin, imp } = await adminAsBuyer('order question');
    const { session } = await sessionOf(imp.token);
    expect(session.user?.email).toBe('buyer@acme.test');
    expect(session.method).toBe('impersonation');
    expect(session.actor).toMatchObject({
      door: 'team',
      reason: 'order question',
      user: { email: 'admin@acme.test' },
    });
    expect(session.authenticationFactors[0]).toMatchObject({
      type: 'impersonated',
      actor: { email: 'admin@acme.test' },
    });
    // The actor's own session is untouched meanwhile.
    expect((await sessionOf(admin.token)).session.id).toBe(admin.session.id);
  });

  it('issues a session JWT with the RFC 8693 act claim, verifiable with the JWKS', async () => {
    const { admin, imp } = await adminAsBuyer();
    const jwks = (await t.client().call('auth.jwks')) as JSONWebKeySet;
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { jwt } = await t.client(imp.token).auth.jwt();
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      issuer: ORIGIN,
      audience: SESSION_JWT_AUDIENCE,
      currentDate: new Date(t.clock.now()),
    });
    expect(protectedHeader.kid).toBe(jwks.keys[0]?.kid);
    expect(payload.sub).toBe(String(ids.userId('buyer@acme.test')));
    expect(payload.act).toMatchObject({ sub: String(admin.session.user?.id) });
    const own = (await t.client(admin.token).auth.jwt()).jwt;
    const ownPayload = (
      await jwtVerify(own, createLocalJWKSet(jwks), { currentDate: new Date(t.clock.now()) })
    ).payload;
    expect(ownPayload.act).toBeUndefined();
  });

  it('lasts at most 60 minutes and cannot be extended by use', async () => {
    const { imp } = await adminAsBuyer();
    for (let minute = 10; minute < 60; minute += 10) {
      t.clock.advance(10 * 60_000);
      expect(await sessionStatus(imp.token)).toBe('ok');
    }
    t.clock.advance(10 * 60_000);
    expect(await sessionStatus(imp.token)).toBe(401);
    const row = await firstImpersonation();
    expect(row?.endReason).toBe('expired');
  });

  it("follows the organization's shorter limit", async () => {
    await setOrg('Acme Corp', { impersonationMaxMinutes: 15 });
    const { imp } = await adminAsBuyer();
    expect(Date.parse(imp.session.expiresAt) - t.clock.now()).toBe(15 * 60_000);
    t.clock.advance(15 * 60_000);
    expect(await sessionStatus(imp.token)).toBe(401);
  });

  it("never outlasts the actor's own session: its end, the banner's and the JWT's, is that session's", async () => {
    const admin = await t.signIn('admin@acme.test');
    // The admin's own session has 20 minutes left, less than the door's 60.
    const actorEnds = t.clock.now() + 20 * 60_000;
    await updateRows(t.ts, 'sessions', { expiresAt: actorEnds }, { id: admin.session.id });
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'), 'an order');
    const imp = await exchange(admin.token, issued.token);
    expect(Date.parse(imp.session.expiresAt)).toBe(actorEnds);
    expect((await firstImpersonation())?.endsAt).toBe(actorEnds);
  });

  it('ends when the actor signs out', async () => {
    const { admin, imp } = await adminAsBuyer();
    await t.client(admin.token).auth.signOut();
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('actor_signed_out');
  });

  it("ends, audited at once, when the actor's session is rotated by a profile switch", async () => {
    const ended = async () => {
      const row = await firstImpersonation();
      const events = await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended' });
      return { endReason: row?.endReason, endedAt: row?.endedAt, events: events.length };
    };
    // A profile switch rotates the actor's session: the impersonation started from it ends
    // then, before its session is used again, so the person acted as no longer sees it running.
    const { admin, imp } = await adminAsBuyer();
    await t.client(admin.token).profiles.switchTo(ids.profileId('admin@acme.test'));
    expect(await ended()).toEqual({
      endReason: 'actor_session_ended',
      endedAt: t.clock.now(),
      events: 1,
    });
    expect(await sessionStatus(imp.token)).toBe(401);
    // Asked again, the end is not recorded twice.
    expect((await ended()).events).toBe(1);
  });

  it('ends, audited at once, when a password change from another session signs the actor out', async () => {
    const { imp, impersonationId } = await adminAsBuyer();
    const elsewhere = await t.signIn('admin@acme.test');
    await t.client(elsewhere.token).account.changePassword({
      currentPassword: DEMO_PASSWORD,
      newPassword: 'a new password, long enough',
    });
    const [row] = await rowsWhere(t.ts, 'impersonations', { id: impersonationId });
    expect(row).toMatchObject({ endReason: 'actor_session_ended', endedAt: t.clock.now() });
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended' })).toHaveLength(1);
    expect(await sessionStatus(imp.token)).toBe(401);
  });

  it('ends when the actor loses the permission', async () => {
    const { imp } = await adminAsBuyer();
    const owner = await t.signIn('owner@acme.test');
    await t.client(owner.token).team.updateMember(ids.profileId('admin@acme.test'), {
      permissions: ['orders:read', 'team:read'],
    });
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('actor_lost_permission');
  });

  it('ends when the setting is switched off', async () => {
    const { imp } = await adminAsBuyer();
    const owner = await t.signIn('owner@acme.test');
    await t.client(owner.token).team.updateSettings({ impersonationEnabled: false });
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('setting_disabled');
  });

  it('ends at once when the member opts out, audited with that reason', async () => {
    const { imp } = await adminAsBuyer();
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.setImpersonationPreference(false);
    const row = await firstImpersonation();
    expect(row?.endReason).toBe('target_opted_out');
    expect(await sessionStatus(imp.token)).toBe(401);
    const ended = await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended' });
    expect(ended.map((e) => e.details?.endReason)).toEqual(['target_opted_out']);
  });

  it('ends on its next request when the opt-out was written by any other path', async () => {
    const { imp } = await adminAsBuyer();
    await updateRows(
      t.ts,
      'profiles',
      { allowTeamImpersonation: false },
      { id: ids.profileId('buyer@acme.test') },
    );
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('target_opted_out');
  });

  it('is shortened when the owner lowers the limit: the banner shows the new end, and it ends then', async () => {
    const started = t.clock.now();
    const { imp } = await adminAsBuyer();
    t.clock.advance(2 * 60_000);
    const owner = await t.signIn('owner@acme.test');
    await t.client(owner.token).team.updateSettings({ impersonationMaxMinutes: 5 });
    const now = await sessionOf(imp.token);
    expect(Date.parse(now.session.actor?.endsAt ?? '')).toBe(started + 5 * 60_000);
    expect((await firstImpersonation())?.endsAt).toBe(started + 5 * 60_000);
    t.clock.advance(3 * 60_000);
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('expired');
  });

  it('ends in time when the limit was lowered by any other path', async () => {
    const { imp } = await adminAsBuyer();
    await setOrg('Acme Corp', { impersonationMaxMinutes: 5 });
    const now = await sessionOf(imp.token);
    expect(Date.parse(now.session.actor?.endsAt ?? '') - t.clock.now()).toBe(5 * 60_000);
    t.clock.advance(5 * 60_000);
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('expired');
  });

  it('ends at once when the operator door is closed, audited with that reason (operator door)', async () => {
    const imp = await supportAsBuyer();
    const root = await t.signIn('root@onbehalf.test');
    await t.client(root.token).sys.updateSettings({
      operatorImpersonation: { enabled: false, maxMinutes: 60 },
    });
    // Ended by the change itself, before its session asks anything: the customer's access
    // history shows no support access running on after the door was closed.
    expect(await firstImpersonation()).toMatchObject({
      endReason: 'setting_disabled',
      endedAt: t.clock.now(),
    });
    const ended = await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended' });
    expect(ended.map((e) => e.details?.endReason)).toEqual(['setting_disabled']);
    expect(await sessionStatus(imp.token)).toBe(401);
  });

  it('is shortened when the global operator limit is lowered (operator door)', async () => {
    const imp = await supportAsBuyer();
    const started = t.clock.now();
    const root = await t.signIn('root@onbehalf.test');
    await t.client(root.token).sys.updateSettings({
      operatorImpersonation: { enabled: true, maxMinutes: 10 },
    });
    // Its stored end moves at once, not only what each request re-checks against the limit.
    expect((await firstImpersonation())?.endsAt).toBe(started + 10 * 60_000);
    const now = await sessionOf(imp.token);
    expect(Date.parse(now.session.actor?.endsAt ?? '')).toBe(started + 10 * 60_000);
    t.clock.advance(10 * 60_000 - 1);
    expect(await sessionStatus(imp.token)).toBe('ok');
    t.clock.advance(1);
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('expired');
  });

  it('ends in time when the global operator limit was lowered by any other path (operator door)', async () => {
    const imp = await supportAsBuyer();
    const started = t.clock.now();
    // Not through /api/sys/settings, which also shortens the running sessions: only the
    // per-request re-check can see this one.
    const lowered = await updateRows(
      t.ts,
      'settings',
      { value: { enabled: true, maxMinutes: 5 } },
      { key: 'impersonation.operator' },
    );
    expect(lowered).toBe(1);
    const now = await sessionOf(imp.token);
    expect(Date.parse(now.session.actor?.endsAt ?? '')).toBe(started + 5 * 60_000);
    t.clock.advance(6 * 60_000);
    expect(await sessionStatus(imp.token)).toBe(401);
    expect((await firstImpersonation())?.endReason).toBe('expired');
  });

  it('ends when an operator is demoted out of the right (operator door)', async () => {
    const imp = await supportAsBuyer();
    await setUser('support@onbehalf.test', { status: 'disabled' });
    expect(await sessionStatus(imp.token)).toBe(401);
  });
});

describe('leaving', () => {
  it("returns the actor's own session, the same one, and kills the impersonation session", async () => {
    const { admin, imp } = await adminAsBuyer();
    const left = await t.client(imp.token).impersonation.leave();
    expect(left.session.id).toBe(admin.session.id);
    expect(left.session.user?.email).toBe('admin@acme.test');
    expect(left.session.actor).toBeUndefined();
    expect(await sessionStatus(imp.token)).toBe(401);
    const own = await sessionOf(admin.token);
    expect(own.session.permissions).toContain('team:impersonate');
    const [row] = await impersonationSessions();
    expect(row?.revokedAt).not.toBeNull();
  });

  it('answers session_expired, not a session gone meanwhile, when the actor’s own ended while leaving', async () => {
    const { admin, imp } = await adminAsBuyer();
    const port = t.deps.store.impersonation;
    const leave = port.leave;
    // Another request signs the actor out between the leave and the read of their session.
    port.leave = async (command) => {
      await leave(command);
      await updateRows(t.ts, 'sessions', { revokedAt: t.clock.now() }, { id: admin.session.id });
    };
    try {
      expect(await refusal(t.client(imp.token).impersonation.leave())).toMatchObject({
        status: 401,
        code: 'session_expired',
      });
    } finally {
      port.leave = leave;
    }
    expect(await sessionStatus(imp.token)).toBe(401);
  });

  // Raw, in a browser: its cookies, Origin and Sec-Fetch-Site are what is under test.
  it('in a browser: the impersonation cookie takes over, and leaving drops only it', async () => {
    const signIn = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'admin@acme.test', password: 'demo-password' },
    });
    const own = sessionCookieFrom(signIn.headers) as string;
    const headers = { origin: ORIGIN };
    const issued = await t.call(
      'GET',
      `/api/public/coworkers/${ids.profileId('buyer@acme.test')}/impersonate`,
      {
        cookie: own,
        headers: { 'sec-fetch-site': 'same-origin' },
      },
    );
    const started = await t.call(
      'POST',
      `/api/public/auth/login/${handoffResponse.parse(issued.json).token}`,
      { cookie: own, headers },
    );
    const setCookie = started.headers.get('set-cookie') ?? '';
    const impCookie = /(ob_impersonation=[^;]*)/.exec(setCookie)?.[1] as string;
    expect(impCookie).toBeDefined();
    expect(setCookie).toMatch(/HttpOnly/i);
    const both = `${own}; ${impCookie}`;
    const sessionBy = async (cookie: string) =>
      sessionResponse.parse((await t.call('GET', '/api/public/auth/session', { cookie })).json)
        .session;
    expect((await sessionBy(both)).user?.email).toBe('buyer@acme.test');
    const left = await t.call('POST', '/api/public/auth/impersonation/leave', {
      cookie: both,
      headers,
    });
    expect(left.headers.get('set-cookie')).toMatch(/ob_impersonation=;/);
    expect(left.headers.get('set-cookie')).not.toMatch(/ob_session=;/);
    expect((await sessionBy(own)).user?.email).toBe('admin@acme.test');
  });

  it('in a browser: an ended impersonation falls back to the actor and says why', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.token);
    t.clock.advance(61 * 60_000);
    const res = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${admin.token}; ob_impersonation=${imp.token}`,
    });
    expect(res.status).toBe(200);
    const { session } = sessionResponse.parse(res.json);
    expect(session.user?.email).toBe('admin@acme.test');
    expect(session.impersonationEnded).toMatchObject({ reason: 'expired' });
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation=;/);
  });

  it('in a browser: a write sent from an impersonation that has ended is refused, never done as the actor', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.token);
    t.clock.advance(61 * 60_000);
    // The admin is still on the buyer's order form; the browser sends both cookies.
    const both = `ob_session=${admin.token}; ob_impersonation=${imp.token}`;
    const res = await t.call('POST', '/api/public/orders', {
      cookie: both,
      headers: { origin: 'http://portal.test', 'sec-fetch-site': 'same-origin' },
      body: { sku: 'PAPER-A4', quantity: 500 },
    });
    expect(res).toMatchObject({ status: 401, json: { error: { code: 'impersonation_ended' } } });
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation=;/);
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation_ended=expired/);
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'order.placed' })).toEqual([]);
    // The person's own session is untouched: the next write, sent as themselves, goes through.
    const own = await t.call('POST', '/api/public/orders', {
      cookie: `ob_session=${admin.token}`,
      headers: { origin: 'http://portal.test', 'sec-fetch-site': 'same-origin' },
      body: { sku: 'PAPER-A4', quantity: 1 },
    });
    expect(own.status).toBe(201);
  });

  it('in a browser: the impersonation cookie outlives the impersonation, so a write after its time limit is refused', async () => {
    const signIn = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'admin@acme.test', password: 'demo-password' },
    });
    const own = sessionCookieFrom(signIn.headers) as string;
    const issued = await t.call(
      'GET',
      `/api/public/coworkers/${ids.profileId('buyer@acme.test')}/impersonate`,
      { cookie: own, headers: { 'sec-fetch-site': 'same-origin' } },
    );
    const started = await t.call(
      'POST',
      `/api/public/auth/login/${handoffResponse.parse(issued.json).token}`,
      { cookie: own, headers: { origin: ORIGIN } },
    );
    const setCookie = started.headers.get('set-cookie') ?? '';
    const maxAge = Number(/ob_impersonation=[^;]*;[^,]*?Max-Age=(\d+)/i.exec(setCookie)?.[1]);
    // The browser keeps it past the impersonation's 60 minutes, as long as the own session.
    expect(maxAge).toBeGreaterThan(61 * 60);
    const impCookie = /(ob_impersonation=[^;]*)/.exec(setCookie)?.[1] as string;
    t.clock.advance(61 * 60_000);
    const res = await t.call('POST', '/api/public/orders', {
      cookie: `${own}; ${impCookie}`,
      headers: { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
      body: { sku: 'PAPER-A4', quantity: 500 },
    });
    expect(res).toMatchObject({ status: 401, json: { error: { code: 'impersonation_ended' } } });
  });

  it('in a browser: after a read noticed the end, writes are refused until the person is told', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.token);
    t.clock.advance(61 * 60_000);
    const headers = { origin: 'http://portal.test', 'sec-fetch-site': 'same-origin' };
    // A refetch of the orders page notices first: it clears the cookie and remembers why.
    const read = await t.call('GET', '/api/public/orders', {
      cookie: `ob_session=${admin.token}; ob_impersonation=${imp.token}`,
    });
    const marker = /(ob_impersonation_ended=[^;]*)/.exec(read.headers.get('set-cookie') ?? '')?.[1];
    expect(marker).toBe('ob_impersonation_ended=expired');
    const order = { sku: 'PAPER-A4', quantity: 5 };
    const write = await t.call('POST', '/api/public/orders', {
      cookie: `ob_session=${admin.token}; ${marker}`,
      headers,
      body: order,
    });
    expect(write).toMatchObject({ status: 401, json: { error: { code: 'impersonation_ended' } } });
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'order.placed' })).toEqual([]);
    // Told (the portal reads the session on that refusal), the next write is the person's own.
    const told = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${admin.token}; ${marker}`,
    });
    expect(told.headers.get('set-cookie')).toMatch(/ob_impersonation_ended=;/);
    const after = await t.call('POST', '/api/public/orders', {
      cookie: `ob_session=${admin.token}`,
      headers,
      body: order,
    });
    expect(after.status).toBe(201);
  });

  it('in a browser: signing out or leaving after the impersonation ended still acts on the own session', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.token);
    t.clock.advance(61 * 60_000);
    const both = `ob_session=${admin.token}; ob_impersonation=${imp.token}`;
    const headers = { origin: 'http://portal.test', 'sec-fetch-site': 'same-origin' };
    const left = await t.call('POST', '/api/public/auth/impersonation/leave', {
      cookie: both,
      headers,
    });
    expect(left).toMatchObject({ status: 409, json: { error: { code: 'not_impersonating' } } });
    const out = await t.call('POST', '/api/public/auth/sign-out', { cookie: both, headers });
    expect(out.status).toBe(200);
    expect(await sessionStatus(admin.token)).not.toBe('ok');
  });

  it('on a shared browser: signing out while impersonating forgets both sessions, and the next person hears nothing of it', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.token);
    const headers = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
    const out = await t.call('POST', '/api/public/auth/sign-out', {
      cookie: `ob_session=${admin.token}; ob_impersonation=${imp.token}`,
      headers,
    });
    expect(out.status).toBe(200);
    const cleared = out.headers.getSetCookie().filter((cookie) => /Max-Age=0/i.test(cookie));
    expect(cleared.map((cookie) => cookie.split('=')[0]).sort()).toEqual([
      'ob_impersonation',
      'ob_impersonation_ended',
      'ob_session',
    ]);

    // An ending noticed just before (a refetch), then someone else signs in on that browser:
    // the sign-in forgets the note, and the next person is told of no impersonation.
    const noticed = 'ob_impersonation_ended=actor_signed_out';
    const next = await t.call('POST', '/api/public/auth/sign-in', {
      cookie: `${noticed}; ob_impersonation=${imp.token}`,
      headers,
      body: { email: 'owner@acme.test', password: 'demo-password' },
    });
    expect(next.status).toBe(200);
    // What the browser keeps is the last word on each cookie.
    const last = new Map(
      next.headers.getSetCookie().map((cookie) => [cookie.split('=')[0], cookie]),
    );
    expect(last.get('ob_impersonation')).toMatch(/Max-Age=0/i);
    expect(last.get('ob_impersonation_ended')).toMatch(/Max-Age=0/i);
    expect(last.get('ob_session')).not.toMatch(/Max-Age=0/i);
    const owner = sessionCookieFrom(next.headers) as string;
    const session = await t.call('GET', '/api/public/auth/session', { cookie: owner, headers });
    const told = sessionResponse.parse(session.json).session;
    expect(told.user?.email).toBe('owner@acme.test');
    expect(told.impersonationEnded ?? null).toBeNull();
  });

  it('on a shared browser: a sign-in by a one-click link forgets the last note as well', async () => {
    const headers = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
    const noticed = 'ob_impersonation_ended=actor_signed_out';
    await t.client().links.requestEmailLink('owner@acme.test');
    await t.deps.background.idle();
    const text = t.mail.filter((m) => m.to === 'owner@acme.test').at(-1)?.text ?? '';
    const [, userId, hash] = /\/one-click\/(\d+)\/([\w-]{43})/.exec(text) ?? [];
    const next = await t.call('POST', '/api/public/auth/one-click', {
      cookie: noticed,
      headers,
      body: { userId: Number(userId), hash },
    });
    expect(next.status).toBe(200);
    const last = new Map(
      next.headers.getSetCookie().map((cookie) => [cookie.split('=')[0], cookie]),
    );
    expect(last.get('ob_impersonation_ended')).toMatch(/Max-Age=0/i);
    expect(last.get('ob_impersonation')).toMatch(/Max-Age=0/i);
    expect(last.get('ob_session')).not.toMatch(/Max-Age=0/i);
  });

  it('in a browser: the reason survives until the next session read, whichever request noticed', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.token);
    t.clock.advance(61 * 60_000);
    const both = `ob_session=${admin.token}; ob_impersonation=${imp.token}`;
    const orders = await t.call('GET', '/api/public/orders', { cookie: both });
    const marker = /(ob_impersonation_ended=[^;]*)/.exec(
      orders.headers.get('set-cookie') ?? '',
    )?.[1];
    expect(marker).toBe('ob_impersonation_ended=expired');
    const res = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${admin.token}; ${marker}`,
    });
    expect(sessionResponse.parse(res.json).session.impersonationEnded).toMatchObject({
      reason: 'expired',
    });
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation_ended=;/);
  });

  it('is refused outside an impersonation', async () => {
    const admin = await t.signIn('admin@acme.test');
    await expect(t.client(admin.token).impersonation.leave()).rejects.toMatchObject({
      status: 409,
      code: 'not_impersonating',
    });
  });
});

describe('while impersonating', () => {
  it('refuses every sensitive action with a clear error', async () => {
    const { imp } = await adminAsBuyer();
    const token = imp.token;
    const asBuyer = t.client(token);
    const attempts = [
      asBuyer.account.changePassword({
        currentPassword: 'demo-password',
        newPassword: 'a-much-longer-password',
      }),
      asBuyer.auth.sessions(),
      asBuyer.auth.revokeSession(imp.session.id),
      asBuyer.account.setImpersonationPreference(false),
      asBuyer.profiles.switchTo(ids.profileId('buyer@acme.test')),
      asBuyer.account.accessHistory(),
    ];
    for (const refused of await Promise.all(attempts.map(refusal))) {
      expect(refused).toMatchObject({ status: 403, code: 'impersonation_restricted' });
    }
    const nested = await refusal(teamIssue(token, ids.profileId('member@acme.test')));
    expect(nested.code).toBe('impersonation_nested');
  });

  it('one own session runs one impersonation at a time: starting another ends the one before, audited', async () => {
    // A bearer client keeps its own token after the exchange, so it could ask again.
    const { admin, imp, impersonationId: first } = await adminAsBuyer();
    // A hand-off asked for and not used yet ends as well.
    const pending = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const issued = await teamIssue(admin.token, ids.profileId('member@acme.test'));
    const second = await exchange(admin.token, issued.token);

    expect(await sessionStatus(imp.token)).toBe(401);
    expect(await sessionStatus(second.token)).toBe('ok');
    // The running one and the unused hand-off, each with its event.
    const ended = await rowsWhere(t.ts, 'impersonations', { endReason: 'replaced' });
    expect(ended.map((row) => [row.id === first, row.startedAt !== null]).sort()).toEqual([
      [false, false],
      [true, true],
    ]);
    const audited = await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended' });
    expect(audited.map((e) => e.impersonationId).sort()).toEqual(ended.map((r) => r.id).sort());
    expect(audited.map((e) => e.details)).toEqual([
      expect.objectContaining({ endReason: 'replaced' }),
      expect.objectContaining({ endReason: 'replaced' }),
    ]);
    expect((await refusal(exchange(admin.token, pending.token))).code).toBe('handoff_withdrawn');
    const running = (await rowsOf(t.ts, 'impersonations')).filter((row) => row.endedAt === null);
    expect(running.map((row) => row.targetProfileId)).toEqual([ids.profileId('member@acme.test')]);

    // The same person's other session keeps its own: the rule is per own session.
    const elsewhere = await adminAsBuyer();
    expect(await sessionStatus(elsewhere.imp.token)).toBe('ok');
    expect(await sessionStatus(second.token)).toBe('ok');
  });

  it('asking for another hand-off ends the unused one before it, never the one running', async () => {
    const { admin, imp, impersonationId: running } = await adminAsBuyer();
    const asked = [];
    for (let i = 0; i < 4; i++) {
      asked.push(await teamIssue(admin.token, ids.profileId('member@acme.test')));
    }
    // One unused hand-off at most per own session: a start then ends at most two.
    const open = (await rowsOf(t.ts, 'impersonations')).filter((row) => row.endedAt === null);
    expect(open.map((row) => [row.id === running, row.startedAt !== null]).sort()).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(await sessionStatus(imp.token)).toBe('ok');
    const ended = await rowsWhere(t.ts, 'impersonations', { endReason: 'replaced' });
    expect(ended).toHaveLength(3);
    const audited = await rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended' });
    expect(audited.map((e) => e.impersonationId).sort()).toEqual(ended.map((r) => r.id).sort());
    for (const withdrawn of asked.slice(0, 3)) {
      expect((await refusal(exchange(admin.token, withdrawn.token))).code).toBe(
        'handoff_withdrawn',
      );
    }
    const last = asked.at(-1);
    if (!last) throw new Error('nothing was asked for');
    expect(await sessionStatus((await exchange(admin.token, last.token)).token)).toBe('ok');
  });

  it("shows only the profile acted as, never the person's other organizations", async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('member@acme.test'));
    const imp = await exchange(admin.token, issued.token);
    const { Profiles } = await t.client(imp.token).profiles.list();
    expect(Profiles).toHaveLength(1);
    expect(Profiles[0]).toMatchObject({
      Id: ids.profileId('member@acme.test'),
      OrganizationName: 'Acme Corp',
      IsCurrent: true,
    });
    const own = await t.signIn('member@acme.test');
    const all = await t.client(own.token).profiles.list();
    expect(all.Profiles.map((p) => p.OrganizationName)).toEqual(['Acme Corp', 'Globex Inc']);
  });

  it('refuses sign-in links and login tokens to an operator acting as another', async () => {
    const root = await t.signIn('root@onbehalf.test');
    const issued = await operatorIssue(root.token, {
      userId: ids.userId('ops@onbehalf.test'),
      reason: 'checking the backoffice as ops sees it',
    });
    const started = await exchange(root.token, issued.token);
    expect(started.session.permissions).toContain('login-tokens:manage');
    const asOps = t.client(started.token);
    const ops = await t.signIn('ops@onbehalf.test');
    const anonymous = {
      subject: { type: 'anonymous' },
      expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
    } as const;
    const made = await t.client(ops.token).loginTokens.create(anonymous);
    // What only the 201 of a handed-over token carries: its secret and URL.
    expect(made).toEqual({
      id: expect.any(Number),
      token: expect.any(String),
      url: expect.any(String),
    });
    const buyer = ids.userId('buyer@acme.test');
    const attempts = [
      asOps.sys.emailOneClickLink({ userId: buyer }),
      asOps.sys.emailSignInLink(buyer, 'as someone else'),
      asOps.loginTokens.create(anonymous),
      asOps.loginTokens.remove(made.id),
    ];
    for (const refused of await Promise.all(attempts.map(refusal))) {
      expect(refused).toMatchObject({ status: 403, code: 'impersonation_restricted' });
    }
    // Nothing was made or revoked on ops' behalf; reading stays open.
    expect(await countOf(t.ts, 'oneClickLinks')).toBe(0);
    expect(await countOf(t.ts, 'loginTokens')).toBe(1);
    expect(await outcomeOf(asOps.loginTokens.list())).toBe('ok');
  });

  it('a mutation is audited naming both people and the impersonation', async () => {
    const { admin, imp, impersonationId } = await adminAsBuyer();
    // Raw: the impersonation's id comes back in a response header.
    const placed = await t.call('POST', '/api/public/orders', {
      token: imp.token,
      body: { sku: 'DESK-LAMP', quantity: 2 },
    });
    expect(placed.status).toBe(201);
    expect(placed.headers.get('x-impersonation-id')).toBe(impersonationId);
    const [event] = await rowsWhere(t.ts, 'auditEvents', { type: 'order.placed' });
    expect(event).toMatchObject({
      actorUserId: admin.session.user?.id,
      subjectUserId: ids.userId('buyer@acme.test'),
      impersonationId,
    });
  });

  it('the audit trail records issued, started and ended', async () => {
    const { imp, impersonationId } = await adminAsBuyer();
    await t.client(imp.token).impersonation.leave();
    const types = (await rowsWhere(t.ts, 'auditEvents', { impersonationId })).map((e) => e.type);
    expect(types).toEqual([
      'impersonation.token_issued',
      'impersonation.started',
      'impersonation.ended',
    ]);
  });
});

describe('access history', () => {
  it('shows the member who signed in as them, when, for how long and why', async () => {
    const { imp } = await adminAsBuyer('order question');
    t.clock.advance(5 * 60_000);
    await t.client(imp.token).impersonation.leave();
    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'billing ticket',
      ticket: 'SUP-9',
    });
    await exchange(support.token, issued.token);

    const buyer = await t.signIn('buyer@acme.test');
    const history = await t.client(buyer.token).account.accessHistory();
    const [latest, earlier] = history.entries;
    expect(latest).toMatchObject({
      door: 'operator',
      reason: 'billing ticket',
      ticket: 'SUP-9',
      actor: { name: 'Sasha Patel' },
    });
    expect(earlier).toMatchObject({
      door: 'team',
      reason: 'order question',
      actor: { name: 'Adam Alvarez' },
      endReason: 'left',
      durationSeconds: 300,
    });
    const admin = await t.signIn('admin@acme.test');
    const others = await t.client(admin.token).account.accessHistory();
    expect(others.entries).toEqual([]);
  });

  it('pages the history: no page holds more than asked, and the pages hold every entry once', async () => {
    const started: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { imp, impersonationId } = await adminAsBuyer(`question ${i}`);
      started.push(impersonationId);
      await t.client(imp.token).impersonation.leave();
      t.clock.advance(1_000);
    }
    const signedIn = await t.signIn('buyer@acme.test');
    const buyer = t.client(signedIn.token);
    const first = await buyer.account.accessHistory({ limit: 2 });
    expect(first.entries.map((e) => e.reason)).toEqual(['question 4', 'question 3']);
    expect(first.nextCursor).not.toBeNull();
    const seen = [...first.entries.map((e) => e.id)];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await buyer.account.accessHistory({ limit: 2, cursor });
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...started].reverse());

    const tooMany = await t.call('GET', '/api/public/account/access-history?limit=101', {
      token: signedIn.token,
    });
    expect(tooMany.status).toBe(400);
    // A cursor of another list's shape ([1]) is not one this list gave out.
    const forged = await t.call('GET', '/api/public/account/access-history?cursor=WzFd', {
      token: signedIn.token,
    });
    expect(forged.status).toBe(400);
    expect(forged.error?.code).toBe('validation_failed');
  });
});

describe('profiles for a team admin', () => {
  it('lists the coworkers they may sign in as, each flagged', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.setImpersonationPreference(false);
    const admin = await t.signIn('admin@acme.test');
    const { Profiles } = await t.client(admin.token).profiles.list();
    const byEmail = Object.fromEntries(Profiles.map((p) => [p.Email, p]));
    expect(byEmail['admin@acme.test']).toMatchObject({ IsOwn: true, CanImpersonate: false });
    expect(byEmail['member@acme.test']).toMatchObject({ IsOwn: false, CanImpersonate: true });
    expect(byEmail['buyer@acme.test']).toMatchObject({
      CanImpersonate: false,
      ImpersonationBlockedReason: 'opted_out',
    });
    expect(byEmail['owner@acme.test']).toMatchObject({
      CanImpersonate: false,
      ImpersonationBlockedReason: 'upward',
    });
    const member = await t.signIn('buyer@acme.test');
    const own = await t.client(member.token).profiles.list();
    expect(own.Profiles.every((p) => p.IsOwn)).toBe(true);
    expect(own.Profiles[0]?.AllowTeamImpersonation).toBe(false);
  });
});

describe('rules every path holds', () => {
  const endOf = async (impersonationId: string) =>
    (await rowsWhere(t.ts, 'impersonations', { id: impersonationId }))[0];
  const endedEvents = (impersonationId: string) =>
    rowsWhere(t.ts, 'auditEvents', { type: 'impersonation.ended', impersonationId });

  it('password sign-in is refused while this browser acts as someone; both sessions stay', async () => {
    const { admin, imp } = await adminAsBuyer();
    // Raw: this browser's cookies and Origin.
    const cookie = `ob_session=${admin.token}; ob_impersonation=${imp.token}`;
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      cookie,
      headers: { origin: ORIGIN },
      body: { email: 'owner@acme.test', password: 'demo-password' },
    });
    expect(res.status).toBe(403);
    expect(res.error?.code).toBe('impersonation_restricted');
    expect(res.headers.get('set-cookie')).toBeNull();
    const now = await t.call('GET', '/api/public/auth/session', { cookie });
    expect(sessionResponse.parse(now.json).session.user?.email).toBe('buyer@acme.test');
    expect((await sessionOf(admin.token)).session.user?.email).toBe('admin@acme.test');
  });

  it('the person acted as revoking the impersonation session ends it, audited', async () => {
    const { imp, impersonationId: id } = await adminAsBuyer();
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).auth.revokeSession(imp.session.id);
    expect(await endOf(id)).toMatchObject({ endReason: 'revoked' });
    expect((await endOf(id))?.endedAt).not.toBeNull();
    expect(await endedEvents(id)).toHaveLength(1);
    expect(await sessionStatus(imp.token)).toBe(401);
  });

  it('a password change by the person acted as ends the impersonations of them', async () => {
    const { imp, impersonationId: id } = await adminAsBuyer();
    const buyer = await t.signIn('buyer@acme.test');
    await t.client(buyer.token).account.changePassword({
      currentPassword: 'demo-password',
      newPassword: 'a-new-long-password-1',
    });
    expect(await endOf(id)).toMatchObject({ endReason: 'revoked' });
    expect(await endedEvents(id)).toHaveLength(1);
    expect(await sessionStatus(imp.token)).toBe(401);
  });

  it('an impersonation session revoked by any other path ends on its next request, audited', async () => {
    const { admin, imp, impersonationId: id } = await adminAsBuyer();
    await updateRows(
      t.ts,
      'sessions',
      { revokedAt: t.clock.now(), revokedReason: 'by hand' },
      { id: imp.session.id },
    );
    // Raw: a browser's cookies.
    const res = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${admin.token}; ob_impersonation=${imp.token}`,
    });
    const { session } = sessionResponse.parse(res.json);
    expect(session.user?.email).toBe('admin@acme.test');
    expect(session.impersonationEnded).toMatchObject({ reason: 'revoked' });
    expect(await endOf(id)).toMatchObject({ endReason: 'revoked' });
    expect(await endedEvents(id)).toHaveLength(1);
  });

  it('operator door: a change of operator role through Admin › Users ends what it no longer allows at once, audited', async () => {
    const root = t.client((await t.signIn('root@onbehalf.test')).token);
    for (const [changed, role] of [
      // The target raised to the actor's rank; then the actor lowered to the target's.
      ['support@onbehalf.test', 'admin'],
      ['ops@onbehalf.test', 'support'],
    ] as const) {
      await setUser('support@onbehalf.test', { operatorRole: 'support' });
      await setUser('ops@onbehalf.test', { operatorRole: 'admin' });
      const ops = await t.signIn('ops@onbehalf.test');
      const issued = await operatorIssue(ops.token, {
        userId: ids.userId('support@onbehalf.test'),
        reason: 'checking a permission',
      });
      const started = await exchange(ops.token, issued.token);
      const id = impersonationOf(started.session);
      await root.sys.updateUser(ids.userId(changed), { operatorRole: role, reason: 'new duties' });
      // Before any request of the impersonation's: ended in the change's own transaction.
      expect(await endOf(id), changed).toMatchObject({ endReason: 'actor_lost_permission' });
      expect(await endOf(id)).not.toMatchObject({ endedAt: null });
      expect(await endedEvents(id)).toHaveLength(1);
      expect(await sessionStatus(started.token)).toBe(401);
    }
    // A change that still allows it leaves it running.
    await setUser('ops@onbehalf.test', { operatorRole: 'admin' });
    const ops = await t.signIn('ops@onbehalf.test');
    const issued = await operatorIssue(ops.token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'order question',
    });
    const started = await exchange(ops.token, issued.token);
    await root.sys.updateUser(ids.userId('ops@onbehalf.test'), {
      operatorRole: 'support',
      reason: 'new duties',
    });
    expect(await endOf(impersonationOf(started.session))).toMatchObject({ endedAt: null });
    expect(await sessionStatus(started.token)).toBe('ok');
  });

  it('operator door: a target promoted to the actor’s rank ends it on the next request', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const issued = await operatorIssue(ops.token, {
      userId: ids.userId('support@onbehalf.test'),
      reason: 'checking a permission',
    });
    const started = await exchange(ops.token, issued.token);
    expect(await sessionStatus(started.token)).toBe('ok');
    await setUser('support@onbehalf.test', { operatorRole: 'admin' });
    expect(await sessionStatus(started.token)).toBe(401);
    expect(await endOf(impersonationOf(started.session))).toMatchObject({
      endReason: 'actor_lost_permission',
    });
  });
});

describe('the hand-off exchange is rate-limited like every redemption', () => {
  it('a stranger’s guesses are slowed down per session; the session a token is bound to never is', async () => {
    t = await createTestApp({ rateLimits: true });
    ids = demoIds(t);
    const admin = await t.signIn('admin@acme.test');
    const forged = `${'0'.repeat(26)}.${'x'.repeat(43)}`;
    for (let i = 0; i < 6; i++) {
      expect((await refusal(exchange(admin.token, forged))).code).toBe('handoff_invalid');
    }
    // Raw: the wait is read from the Retry-After header as sent.
    const limited = await t.call('POST', `/api/public/auth/login/${forged}`, {
      token: admin.token,
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Its own hand-off still goes through at once, after all those guesses.
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    expect(await outcomeOf(exchange(admin.token, issued.token))).toBe('ok');
    expect(await impersonationSessions()).toHaveLength(1);
    // A used token presented again by its own session is no guess either.
    expect((await refusal(exchange(admin.token, issued.token))).code).toBe('handoff_used');
  });

  it('guesses sent at once by one session never pass its hard stop', async () => {
    t = await createTestApp({ rateLimits: true });
    const admin = await t.signIn('admin@acme.test');
    const forged = `${'0'.repeat(26)}.${'x'.repeat(43)}`;
    const sent = rules.guessSession.block + 10;
    const statuses = await Promise.all(
      Array.from({ length: sent }, async () => {
        const res = await t.call('POST', `/api/public/auth/login/${forged}`, {
          token: admin.token,
        });
        return res.status;
      }),
    );
    // At most the hard stop is counted (fewer when the first guesses' waits come first).
    expect(statuses.filter((s) => s !== 429).length).toBeLessThanOrEqual(rules.guessSession.block);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
  });
});
