import { and, eq, isNotNull } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../db/schema/audit-events.ts';
import { impersonations } from '../../db/schema/impersonations.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { sessions } from '../../db/schema/sessions.ts';
import { users } from '../../db/schema/users.ts';
import { HANDOFF_TTL_MS } from '../../domain/impersonation/policy.ts';
import { SESSION_JWT_AUDIENCE } from '../../lib/session-jwt.ts';
import {
  createTestApp,
  demoIds,
  ORIGIN,
  sessionCookieFrom,
  type TestApp,
} from '../../test/harness.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
});

const teamIssue = (token: string, profileId: number, reason = '') =>
  t.call(
    'GET',
    `/api/public/coworkers/${profileId}/impersonate${reason ? `?reason=${encodeURIComponent(reason)}` : ''}`,
    { token },
  );

const operatorIssue = (token: string, query: Record<string, string | number>) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) params.set(key, String(value));
  return t.call('GET', `/api/sys/users/impersonate?${params}`, { token });
};

const exchange = (token: string, handoff: string) =>
  t.call('POST', `/api/public/auth/login/${handoff}`, { token });

/** Admin signs in as the buyer through the team door, by bearer. */
async function adminAsBuyer(reason = 'checking an order') {
  const admin = await t.signIn('admin@acme.test');
  const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'), reason);
  expect(issued.status).toBe(200);
  const started = await exchange(admin.token, issued.json.token);
  expect(started.status).toBe(200);
  return { admin, handoff: issued.json.token as string, imp: started.json };
}

const sessionOf = (token: string) => t.call('GET', '/api/public/auth/session', { token });

function setOrg(name: string, values: Partial<typeof organizations.$inferInsert>) {
  t.db.update(organizations).set(values).where(eq(organizations.name, name)).run();
}

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
      const res = await teamIssue(token, ids.profileId(target, org));
      expect(res.status).toBe(status);
      if (code) expect(res.json.error.code).toBe(code);
      else expect(res.json.token).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}\.[\w-]{43}$/);
    });
  }

  it('an unknown coworker is 404', async () => {
    const { token } = await t.signIn('admin@acme.test');
    expect((await teamIssue(token, 987_654)).status).toBe(404);
  });

  it('refuses a disabled member', async () => {
    t.db.update(users).set({ status: 'disabled' }).where(eq(users.email, 'buyer@acme.test')).run();
    const { token } = await t.signIn('admin@acme.test');
    const res = await teamIssue(token, ids.profileId('buyer@acme.test'));
    expect(res.json.error.code).toBe('impersonation_target_disabled');
  });

  it('refuses a member who opted out, and the member opts out through the API', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    const optOut = await t.call('PUT', '/api/public/account/impersonation-preference', {
      token: buyer.token,
      body: { allowTeamImpersonation: false },
    });
    expect(optOut.status).toBe(200);
    const { token } = await t.signIn('admin@acme.test');
    const res = await teamIssue(token, ids.profileId('buyer@acme.test'));
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('impersonation_opted_out');
  });

  it('is off by default: a new organization refuses until its owner switches it on', async () => {
    setOrg('Acme Corp', { impersonationEnabled: false });
    const admin = await t.signIn('admin@acme.test');
    const refused = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    expect(refused.json.error.code).toBe('impersonation_disabled');
    const owner = await t.signIn('owner@acme.test');
    const on = await t.call('PUT', '/api/public/team/settings', {
      token: owner.token,
      body: { impersonationEnabled: true },
    });
    expect(on.status).toBe(200);
    expect((await teamIssue(admin.token, ids.profileId('buyer@acme.test'))).status).toBe(200);
    const org = t.db.select().from(organizations).where(eq(organizations.name, 'Globex Inc')).get();
    expect(org?.impersonationEnabled).toBe(false);
  });

  it('an admin cannot change the team setting; only team:settings can', async () => {
    const admin = await t.signIn('admin@acme.test');
    const res = await t.call('PUT', '/api/public/team/settings', {
      token: admin.token,
      body: { impersonationEnabled: false },
    });
    expect(res.status).toBe(403);
  });

  it('an admin impersonating another admin cannot impersonate back from inside (no nesting)', async () => {
    const owner = await t.signIn('owner@acme.test');
    await t.call('PATCH', `/api/public/team/members/${ids.profileId('buyer@acme.test')}`, {
      token: owner.token,
      body: { role: 'admin' },
    });
    const { imp } = await adminAsBuyer();
    const back = await teamIssue(imp.token, ids.profileId('admin@acme.test'));
    expect(back.status).toBe(403);
    expect(back.json.error.code).toBe('impersonation_nested');
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
      const res = await operatorIssue(token, {
        userId: ids.userId(target),
        reason: 'ticket follow-up',
      });
      expect(res.status).toBe(status);
      if (code) expect(res.json.error.code).toBe(code);
    });
  }

  it('the opt-out does not bind support staff', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    await t.call('PUT', '/api/public/account/impersonation-preference', {
      token: buyer.token,
      body: { allowTeamImpersonation: false },
    });
    const { token } = await t.signIn('support@onbehalf.test');
    const res = await operatorIssue(token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'ticket 42',
    });
    expect(res.status).toBe(200);
  });

  it('needs a reason', async () => {
    const { token } = await t.signIn('support@onbehalf.test');
    const res = await operatorIssue(token, { userId: ids.userId('buyer@acme.test') });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
  });

  it('a user with several profiles needs profileId; an unknown user is 404', async () => {
    const { token } = await t.signIn('support@onbehalf.test');
    const ambiguous = await operatorIssue(token, {
      userId: ids.userId('member@acme.test'),
      reason: 'ticket 1',
    });
    expect(ambiguous.status).toBe(400);
    const unknown = await operatorIssue(token, { userId: 99_999, reason: 'ticket 1' });
    expect(unknown.status).toBe(404);
  });

  it('refuses a disabled user', async () => {
    t.db.update(users).set({ status: 'disabled' }).where(eq(users.email, 'buyer@acme.test')).run();
    const { token } = await t.signIn('support@onbehalf.test');
    const res = await operatorIssue(token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'ticket',
    });
    expect(res.json.error.code).toBe('impersonation_target_disabled');
  });

  it('the global switch is settings:manage only, and off refuses', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const body = { operatorImpersonation: { enabled: false, maxMinutes: 60 } };
    expect((await t.call('PUT', '/api/sys/settings', { token: ops.token, body })).status).toBe(403);
    const root = await t.signIn('root@onbehalf.test');
    expect((await t.call('PUT', '/api/sys/settings', { token: root.token, body })).status).toBe(
      200,
    );
    const support = await t.signIn('support@onbehalf.test');
    const res = await operatorIssue(support.token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'ticket',
    });
    expect(res.json.error.code).toBe('impersonation_disabled');
  });

  it("shows the member's Globex data when support picks that profile", async () => {
    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('member@acme.test'),
      profileId: ids.profileId('member@acme.test', 'Globex Inc'),
      reason: 'missing invoice',
      ticket: 'SUP-1234',
    });
    const started = await exchange(support.token, issued.json.token);
    expect(started.status).toBe(200);
    const orders = await t.call('GET', '/api/public/orders', { token: started.json.token });
    expect(
      orders.json.orders.every((o: { number: string }) => o.number.startsWith('SO-GLOBEX')),
    ).toBe(true);
    expect(started.json.session.actor).toMatchObject({
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
    const results = await Promise.all(
      Array.from({ length: 20 }, () => exchange(admin.token, issued.json.token)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 409 && r.json.error.code === 'handoff_used'),
    ).toHaveLength(19);
    const minted = t.db.select().from(sessions).where(isNotNull(sessions.impersonationId)).all();
    expect(minted).toHaveLength(1);
  });

  it('is refused when another session presents it, even one of the same admin', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const otherAdminSession = await t.signIn('admin@acme.test');
    const owner = await t.signIn('owner@acme.test');
    for (const token of [otherAdminSession.token, owner.token]) {
      const res = await exchange(token, issued.json.token);
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('handoff_wrong_session');
    }
    expect((await exchange(admin.token, issued.json.token)).status).toBe(200);
  });

  it('is refused after 60 seconds', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    t.clock.advance(HANDOFF_TTL_MS);
    const res = await exchange(admin.token, issued.json.token);
    expect(res.status).toBe(410);
    expect(res.json.error.code).toBe('handoff_expired');
  });

  it('works once only, and needs a session at all', async () => {
    const { admin, handoff } = await adminAsBuyer();
    expect((await exchange(admin.token, handoff)).json.error.code).toBe('handoff_used');
    const anonymous = await t.call('POST', `/api/public/auth/login/${handoff}`);
    expect(anonymous.status).toBe(401);
  });

  it('forged and malformed tokens are 4xx, never 500', async () => {
    const admin = await t.signIn('admin@acme.test');
    for (const bad of ['x', 'a'.repeat(43), '%00', '..%2F..', 'a'.repeat(256)]) {
      const res = await exchange(admin.token, bad);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('is stored only as a hash', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const [, secret] = (issued.json.token as string).split('.');
    const dump = JSON.stringify(t.db.select().from(impersonations).all());
    expect(secret).toHaveLength(43);
    expect(dump).not.toContain(secret);
  });

  it('names its impersonation; that id with any other secret is refused and burns nothing', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const [id, secret = ''] = (issued.json.token as string).split('.');
    const row = t.db.select().from(impersonations).get();
    expect(id).toBe(row?.id);
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    for (const forged of [`${id}.${flipped}`, `${id}.${secret}x`, `${id}`, `.${secret}`]) {
      const res = await exchange(admin.token, forged);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('handoff_invalid');
    }
    expect(t.db.select().from(sessions).where(isNotNull(sessions.impersonationId)).all()).toEqual(
      [],
    );
    expect((await exchange(admin.token, issued.json.token)).status).toBe(200);
  });

  it('cannot be minted by a cross-site request', async () => {
    const admin = await t.signIn('admin@acme.test');
    const res = await t.call(
      'GET',
      `/api/public/coworkers/${ids.profileId('buyer@acme.test')}/impersonate`,
      {
        cookie: `ob_session=${admin.token}`,
        headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      },
    );
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('csrf_rejected');
    expect(t.db.select().from(impersonations).all()).toHaveLength(0);
  });
});

describe('the impersonation session', () => {
  it('the exchange answers with exactly the session the new token then reports, at either door', async () => {
    const { imp } = await adminAsBuyer('order question');
    expect(imp.session).toEqual((await sessionOf(imp.token)).json.session);

    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('member@acme.test'),
      profileId: ids.profileId('member@acme.test', 'Globex Inc'),
      reason: 'missing invoice',
    });
    const started = await exchange(support.token, issued.json.token);
    expect(started.status).toBe(200);
    expect(started.json.session).toEqual((await sessionOf(started.json.token)).json.session);
    expect(started.json.session.activeProfile.organization.name).toBe('Globex Inc');
  });

  it('works for bearer clients: the session shows the actor and the impersonated factor', async () => {
    const { admin, imp } = await adminAsBuyer('order question');
    const res = await sessionOf(imp.token);
    expect(res.json.session.user.email).toBe('buyer@acme.test');
    expect(res.json.session.method).toBe('impersonation');
    expect(res.json.session.actor).toMatchObject({
      door: 'team',
      reason: 'order question',
      user: { email: 'admin@acme.test' },
    });
    expect(res.json.session.authenticationFactors[0]).toMatchObject({
      type: 'impersonated',
      actor: { email: 'admin@acme.test' },
    });
    // The actor's own session is untouched meanwhile.
    expect((await sessionOf(admin.token)).json.session.id).toBe(admin.session.id);
  });

  it('issues a session JWT with the RFC 8693 act claim, verifiable with the JWKS', async () => {
    const { admin, imp } = await adminAsBuyer();
    const jwks = await t.call('GET', '/.well-known/jwks.json');
    expect(jwks.json.keys[0]).not.toHaveProperty('d');
    const { jwt } = (await t.call('GET', '/api/public/auth/token', { token: imp.token })).json;
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks.json), {
      issuer: ORIGIN,
      audience: SESSION_JWT_AUDIENCE,
      currentDate: new Date(t.clock.now()),
    });
    expect(protectedHeader.kid).toBe(jwks.json.keys[0].kid);
    expect(payload.sub).toBe(String(ids.userId('buyer@acme.test')));
    expect(payload.act).toMatchObject({ sub: String(admin.session.user?.id) });
    const own = (await t.call('GET', '/api/public/auth/token', { token: admin.token })).json.jwt;
    const ownPayload = (
      await jwtVerify(own, createLocalJWKSet(jwks.json), { currentDate: new Date(t.clock.now()) })
    ).payload;
    expect(ownPayload.act).toBeUndefined();
  });

  it('lasts at most 60 minutes and cannot be extended by use', async () => {
    const { imp } = await adminAsBuyer();
    for (let minute = 10; minute < 60; minute += 10) {
      t.clock.advance(10 * 60_000);
      expect((await sessionOf(imp.token)).status).toBe(200);
    }
    t.clock.advance(10 * 60_000);
    const res = await sessionOf(imp.token);
    expect(res.status).toBe(401);
    const row = t.db.select().from(impersonations).get();
    expect(row?.endReason).toBe('expired');
  });

  it("follows the organization's shorter limit", async () => {
    setOrg('Acme Corp', { impersonationMaxMinutes: 15 });
    const { imp } = await adminAsBuyer();
    expect(Date.parse(imp.session.expiresAt) - t.clock.now()).toBe(15 * 60_000);
    t.clock.advance(15 * 60_000);
    expect((await sessionOf(imp.token)).status).toBe(401);
  });

  it('ends when the actor signs out', async () => {
    const { admin, imp } = await adminAsBuyer();
    await t.call('POST', '/api/public/auth/sign-out', { token: admin.token });
    expect((await sessionOf(imp.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('actor_signed_out');
  });

  it('ends when the actor loses the permission', async () => {
    const { imp } = await adminAsBuyer();
    const owner = await t.signIn('owner@acme.test');
    await t.call('PATCH', `/api/public/team/members/${ids.profileId('admin@acme.test')}`, {
      token: owner.token,
      body: { permissions: ['orders:read', 'team:read'] },
    });
    expect((await sessionOf(imp.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('actor_lost_permission');
  });

  it('ends when the setting is switched off', async () => {
    const { imp } = await adminAsBuyer();
    const owner = await t.signIn('owner@acme.test');
    await t.call('PUT', '/api/public/team/settings', {
      token: owner.token,
      body: { impersonationEnabled: false },
    });
    expect((await sessionOf(imp.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('setting_disabled');
  });

  it('ends at once when the member opts out, audited with that reason', async () => {
    const { imp } = await adminAsBuyer();
    const buyer = await t.signIn('buyer@acme.test');
    const res = await t.call('PUT', '/api/public/account/impersonation-preference', {
      token: buyer.token,
      body: { allowTeamImpersonation: false },
    });
    expect(res.status).toBe(200);
    const row = t.db.select().from(impersonations).get();
    expect(row?.endReason).toBe('target_opted_out');
    expect((await sessionOf(imp.token)).status).toBe(401);
    const ended = t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'impersonation.ended'))
      .all();
    expect(ended.map((e) => e.details?.endReason)).toEqual(['target_opted_out']);
  });

  it('ends on its next request when the opt-out was written by any other path', async () => {
    const { imp } = await adminAsBuyer();
    t.db
      .update(profiles)
      .set({ allowTeamImpersonation: false })
      .where(eq(profiles.id, ids.profileId('buyer@acme.test')))
      .run();
    expect((await sessionOf(imp.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('target_opted_out');
  });

  it('is shortened when the owner lowers the limit: the banner shows the new end, and it ends then', async () => {
    const started = t.clock.now();
    const { imp } = await adminAsBuyer();
    t.clock.advance(2 * 60_000);
    const owner = await t.signIn('owner@acme.test');
    await t.call('PUT', '/api/public/team/settings', {
      token: owner.token,
      body: { impersonationMaxMinutes: 5 },
    });
    const now = await sessionOf(imp.token);
    expect(now.status).toBe(200);
    expect(Date.parse(now.json.session.actor.endsAt)).toBe(started + 5 * 60_000);
    expect(t.db.select().from(impersonations).get()?.endsAt).toBe(started + 5 * 60_000);
    t.clock.advance(3 * 60_000);
    expect((await sessionOf(imp.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('expired');
  });

  it('ends in time when the limit was lowered by any other path', async () => {
    const { imp } = await adminAsBuyer();
    setOrg('Acme Corp', { impersonationMaxMinutes: 5 });
    const now = await sessionOf(imp.token);
    expect(Date.parse(now.json.session.actor.endsAt) - t.clock.now()).toBe(5 * 60_000);
    t.clock.advance(5 * 60_000);
    expect((await sessionOf(imp.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('expired');
  });

  it('is shortened when the global operator limit is lowered (operator door)', async () => {
    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'ticket',
    });
    const imp = (await exchange(support.token, issued.json.token)).json;
    const root = await t.signIn('root@onbehalf.test');
    const changed = await t.call('PUT', '/api/sys/settings', {
      token: root.token,
      body: { operatorImpersonation: { enabled: true, maxMinutes: 10 } },
    });
    expect(changed.status).toBe(200);
    t.clock.advance(10 * 60_000 - 1);
    expect((await sessionOf(imp.token)).status).toBe(200);
    t.clock.advance(1);
    expect((await sessionOf(imp.token)).status).toBe(401);
    expect(t.db.select().from(impersonations).get()?.endReason).toBe('expired');
  });

  it('ends when an operator is demoted out of the right (operator door)', async () => {
    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'ticket',
    });
    const imp = (await exchange(support.token, issued.json.token)).json;
    t.db
      .update(users)
      .set({ status: 'disabled' })
      .where(eq(users.email, 'support@onbehalf.test'))
      .run();
    expect((await sessionOf(imp.token)).status).toBe(401);
  });
});

describe('leaving', () => {
  it("returns the actor's own session, the same one, and kills the impersonation session", async () => {
    const { admin, imp } = await adminAsBuyer();
    const left = await t.call('POST', '/api/public/auth/impersonation/leave', { token: imp.token });
    expect(left.status).toBe(200);
    expect(left.json.session.id).toBe(admin.session.id);
    expect(left.json.session.user.email).toBe('admin@acme.test');
    expect(left.json.session.actor).toBeUndefined();
    expect((await sessionOf(imp.token)).status).toBe(401);
    const own = await sessionOf(admin.token);
    expect(own.status).toBe(200);
    expect(own.json.session.permissions).toContain('team:impersonate');
    const row = t.db.select().from(sessions).where(isNotNull(sessions.impersonationId)).get();
    expect(row?.revokedAt).not.toBeNull();
  });

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
    const started = await t.call('POST', `/api/public/auth/login/${issued.json.token}`, {
      cookie: own,
      headers,
    });
    const setCookie = started.headers.get('set-cookie') ?? '';
    const impCookie = /(ob_impersonation=[^;]*)/.exec(setCookie)?.[1] as string;
    expect(impCookie).toBeDefined();
    expect(setCookie).toMatch(/HttpOnly/i);
    const both = `${own}; ${impCookie}`;
    expect(
      (await t.call('GET', '/api/public/auth/session', { cookie: both })).json.session.user.email,
    ).toBe('buyer@acme.test');
    const left = await t.call('POST', '/api/public/auth/impersonation/leave', {
      cookie: both,
      headers,
    });
    expect(left.headers.get('set-cookie')).toMatch(/ob_impersonation=;/);
    expect(left.headers.get('set-cookie')).not.toMatch(/ob_session=;/);
    expect(
      (await t.call('GET', '/api/public/auth/session', { cookie: own })).json.session.user.email,
    ).toBe('admin@acme.test');
  });

  it('in a browser: an ended impersonation falls back to the actor and says why', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.json.token);
    t.clock.advance(61 * 60_000);
    const res = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${admin.token}; ob_impersonation=${imp.json.token}`,
    });
    expect(res.status).toBe(200);
    expect(res.json.session.user.email).toBe('admin@acme.test');
    expect(res.json.session.impersonationEnded).toMatchObject({ reason: 'expired' });
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation=;/);
  });

  it('in a browser: the reason survives until the next session read, whichever request noticed', async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const imp = await exchange(admin.token, issued.json.token);
    t.clock.advance(61 * 60_000);
    const both = `ob_session=${admin.token}; ob_impersonation=${imp.json.token}`;
    const orders = await t.call('GET', '/api/public/orders', { cookie: both });
    const marker = /(ob_impersonation_ended=[^;]*)/.exec(
      orders.headers.get('set-cookie') ?? '',
    )?.[1];
    expect(marker).toBe('ob_impersonation_ended=expired');
    const res = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${admin.token}; ${marker}`,
    });
    expect(res.json.session.impersonationEnded).toMatchObject({ reason: 'expired' });
    expect(res.headers.get('set-cookie')).toMatch(/ob_impersonation_ended=;/);
  });

  it('is refused outside an impersonation', async () => {
    const admin = await t.signIn('admin@acme.test');
    const res = await t.call('POST', '/api/public/auth/impersonation/leave', {
      token: admin.token,
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('not_impersonating');
  });
});

describe('while impersonating', () => {
  it('refuses every sensitive action with a clear error', async () => {
    const { imp } = await adminAsBuyer();
    const token = imp.token;
    const attempts = [
      t.call('PUT', '/api/public/account/password', {
        token,
        body: { currentPassword: 'demo-password', newPassword: 'a-much-longer-password' },
      }),
      t.call('GET', '/api/public/auth/sessions', { token }),
      t.call('DELETE', `/api/public/auth/sessions/${imp.session.id}`, { token }),
      t.call('PUT', '/api/public/account/impersonation-preference', {
        token,
        body: { allowTeamImpersonation: false },
      }),
      t.call('PUT', '/api/public/coworkers/profiles/current', {
        token,
        body: { Id: ids.profileId('buyer@acme.test') },
      }),
      t.call('GET', '/api/public/account/access-history', { token }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('impersonation_restricted');
    }
    const nested = await teamIssue(token, ids.profileId('member@acme.test'));
    expect(nested.json.error.code).toBe('impersonation_nested');
  });

  it("shows only the profile acted as, never the person's other organizations", async () => {
    const admin = await t.signIn('admin@acme.test');
    const issued = await teamIssue(admin.token, ids.profileId('member@acme.test'));
    const imp = (await exchange(admin.token, issued.json.token)).json;
    const res = await t.call('GET', '/api/public/coworkers/profiles', { token: imp.token });
    expect(res.status).toBe(200);
    expect(res.json.Profiles).toHaveLength(1);
    expect(res.json.Profiles[0]).toMatchObject({
      Id: ids.profileId('member@acme.test'),
      OrganizationName: 'Acme Corp',
      IsCurrent: true,
    });
    const own = await t.signIn('member@acme.test');
    const all = await t.call('GET', '/api/public/coworkers/profiles', { token: own.token });
    expect(all.json.Profiles.map((p: { OrganizationName: string }) => p.OrganizationName)).toEqual([
      'Acme Corp',
      'Globex Inc',
    ]);
  });

  it('refuses sign-in links and login tokens to an operator acting as another', async () => {
    const root = await t.signIn('root@onbehalf.test');
    const issued = await operatorIssue(root.token, {
      userId: ids.userId('ops@onbehalf.test'),
      reason: 'checking the backoffice as ops sees it',
    });
    const started = await exchange(root.token, issued.json.token);
    expect(started.json.session.permissions).toContain('login-tokens:manage');
    const asOps = started.json.token as string;
    const ops = await t.signIn('ops@onbehalf.test');
    const made = await t.call('POST', '/api/sys/login-tokens', {
      token: ops.token,
      body: { subject: { type: 'anonymous' }, expiresAt: new Date(t.clock.now() + 86_400_000) },
    });
    expect(made.status).toBe(201);
    const buyer = ids.userId('buyer@acme.test');
    const attempts = [
      t.call('POST', '/api/sys/one-click-links', { token: asOps, body: { userId: buyer } }),
      t.call('POST', `/api/sys/users/${buyer}/email-sign-in-link`, {
        token: asOps,
        body: { reason: 'as someone else' },
      }),
      t.call('POST', '/api/sys/login-tokens', {
        token: asOps,
        body: { subject: { type: 'anonymous' }, expiresAt: new Date(t.clock.now() + 86_400_000) },
      }),
      t.call('DELETE', `/api/sys/login-tokens/${made.json.id}`, { token: asOps }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('impersonation_restricted');
    }
    // Nothing was made or revoked on ops' behalf; reading stays open.
    expect(t.sqlite.prepare('SELECT count(*) FROM one_click_links').pluck().get()).toBe(0);
    expect(t.sqlite.prepare('SELECT count(*) FROM login_tokens').pluck().get()).toBe(1);
    expect((await t.call('GET', '/api/sys/login-tokens', { token: asOps })).status).toBe(200);
  });

  it('a mutation is audited naming both people and the impersonation', async () => {
    const { admin, imp } = await adminAsBuyer();
    const placed = await t.call('POST', '/api/public/orders', {
      token: imp.token,
      body: { sku: 'DESK-LAMP', quantity: 2 },
    });
    expect(placed.status).toBe(201);
    expect(placed.headers.get('x-impersonation-id')).toBe(imp.session.actor.impersonationId);
    const event = t.db.select().from(auditEvents).where(eq(auditEvents.type, 'order.placed')).get();
    expect(event).toMatchObject({
      actorUserId: admin.session.user?.id,
      subjectUserId: ids.userId('buyer@acme.test'),
      impersonationId: imp.session.actor.impersonationId,
    });
  });

  it('the audit trail records issued, started and ended', async () => {
    const { imp } = await adminAsBuyer();
    await t.call('POST', '/api/public/auth/impersonation/leave', { token: imp.token });
    const types = t.db
      .select({ type: auditEvents.type })
      .from(auditEvents)
      .where(and(eq(auditEvents.impersonationId, imp.session.actor.impersonationId)))
      .all()
      .map((e) => e.type);
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
    await t.call('POST', '/api/public/auth/impersonation/leave', { token: imp.token });
    const support = await t.signIn('support@onbehalf.test');
    const issued = await operatorIssue(support.token, {
      userId: ids.userId('buyer@acme.test'),
      reason: 'billing ticket',
      ticket: 'SUP-9',
    });
    await exchange(support.token, issued.json.token);

    const buyer = await t.signIn('buyer@acme.test');
    const res = await t.call('GET', '/api/public/account/access-history', { token: buyer.token });
    expect(res.status).toBe(200);
    const [latest, earlier] = res.json.entries;
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
    const others = await t.call('GET', '/api/public/account/access-history', {
      token: admin.token,
    });
    expect(others.json.entries).toEqual([]);
  });
});

describe('profiles for a team admin', () => {
  it('lists the coworkers they may sign in as, each flagged', async () => {
    const buyer = await t.signIn('buyer@acme.test');
    await t.call('PUT', '/api/public/account/impersonation-preference', {
      token: buyer.token,
      body: { allowTeamImpersonation: false },
    });
    const admin = await t.signIn('admin@acme.test');
    const res = await t.call('GET', '/api/public/coworkers/profiles', { token: admin.token });
    const byEmail = Object.fromEntries(
      res.json.Profiles.map((p: { Email: string }) => [p.Email, p]),
    );
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
    const own = await t.call('GET', '/api/public/coworkers/profiles', { token: member.token });
    expect(own.json.Profiles.every((p: { IsOwn: boolean }) => p.IsOwn)).toBe(true);
    expect(own.json.Profiles[0].AllowTeamImpersonation).toBe(false);
  });
});

describe('rules every path holds', () => {
  const endOf = (impersonationId: string) =>
    t.db.select().from(impersonations).where(eq(impersonations.id, impersonationId)).get();
  const endedEvents = (impersonationId: string) =>
    t.db
      .select()
      .from(auditEvents)
      .where(
        and(
          eq(auditEvents.type, 'impersonation.ended'),
          eq(auditEvents.impersonationId, impersonationId),
        ),
      )
      .all();

  it('password sign-in is refused while this browser acts as someone; both sessions stay', async () => {
    const { admin, imp } = await adminAsBuyer();
    const cookie = `ob_session=${admin.token}; ob_impersonation=${imp.token}`;
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      cookie,
      headers: { origin: ORIGIN },
      body: { email: 'owner@acme.test', password: 'demo-password' },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('impersonation_restricted');
    expect(res.headers.get('set-cookie')).toBeNull();
    const now = await t.call('GET', '/api/public/auth/session', { cookie });
    expect(now.json.session.user.email).toBe('buyer@acme.test');
    expect((await sessionOf(admin.token)).json.session.user.email).toBe('admin@acme.test');
  });

  it('the person acted as revoking the impersonation session ends it, audited', async () => {
    const { imp } = await adminAsBuyer();
    const id = imp.session.actor.impersonationId as string;
    const buyer = await t.signIn('buyer@acme.test');
    const revoked = await t.call('DELETE', `/api/public/auth/sessions/${imp.session.id}`, {
      token: buyer.token,
    });
    expect(revoked.status).toBe(200);
    expect(endOf(id)).toMatchObject({ endReason: 'revoked' });
    expect(endOf(id)?.endedAt).not.toBeNull();
    expect(endedEvents(id)).toHaveLength(1);
    expect((await sessionOf(imp.token)).status).toBe(401);
  });

  it('a password change by the person acted as ends the impersonations of them', async () => {
    const { imp } = await adminAsBuyer();
    const id = imp.session.actor.impersonationId as string;
    const buyer = await t.signIn('buyer@acme.test');
    const changed = await t.call('PUT', '/api/public/account/password', {
      token: buyer.token,
      body: { currentPassword: 'demo-password', newPassword: 'a-new-long-password-1' },
    });
    expect(changed.status).toBe(200);
    expect(endOf(id)).toMatchObject({ endReason: 'revoked' });
    expect(endedEvents(id)).toHaveLength(1);
    expect((await sessionOf(imp.token)).status).toBe(401);
  });

  it('an impersonation session revoked by any other path ends on its next request, audited', async () => {
    const { admin, imp } = await adminAsBuyer();
    const id = imp.session.actor.impersonationId as string;
    t.db
      .update(sessions)
      .set({ revokedAt: t.clock.now(), revokedReason: 'by hand' })
      .where(eq(sessions.id, imp.session.id))
      .run();
    const res = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${admin.token}; ob_impersonation=${imp.token}`,
    });
    expect(res.json.session.user.email).toBe('admin@acme.test');
    expect(res.json.session.impersonationEnded).toMatchObject({ reason: 'revoked' });
    expect(endOf(id)).toMatchObject({ endReason: 'revoked' });
    expect(endedEvents(id)).toHaveLength(1);
  });

  it('operator door: a target promoted to the actor’s rank ends it on the next request', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const issued = await operatorIssue(ops.token, {
      userId: ids.userId('support@onbehalf.test'),
      reason: 'checking a permission',
    });
    expect(issued.status).toBe(200);
    const started = await exchange(ops.token, issued.json.token);
    expect(started.status).toBe(200);
    expect((await sessionOf(started.json.token)).status).toBe(200);
    t.db
      .update(users)
      .set({ operatorRole: 'admin' })
      .where(eq(users.email, 'support@onbehalf.test'))
      .run();
    expect((await sessionOf(started.json.token)).status).toBe(401);
    const id = started.json.session.actor.impersonationId as string;
    expect(endOf(id)).toMatchObject({ endReason: 'actor_lost_permission' });
  });
});

describe('the hand-off exchange is rate-limited like every redemption', () => {
  it('a stranger’s guesses are slowed down per session; the session a token is bound to never is', async () => {
    t = await createTestApp({ rateLimits: true });
    ids = demoIds(t);
    const admin = await t.signIn('admin@acme.test');
    const forged = `${'0'.repeat(26)}.${'x'.repeat(43)}`;
    for (let i = 0; i < 6; i++) {
      const res = await exchange(admin.token, forged);
      expect(res.json.error.code).toBe('handoff_invalid');
    }
    const limited = await exchange(admin.token, forged);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // Its own hand-off still goes through at once, after all those guesses.
    const issued = await teamIssue(admin.token, ids.profileId('buyer@acme.test'));
    const started = await exchange(admin.token, issued.json.token);
    expect(started.status).toBe(200);
    expect(
      t.db.select().from(sessions).where(isNotNull(sessions.impersonationId)).all(),
    ).toHaveLength(1);
    // A used token presented again by its own session is no guess either.
    expect((await exchange(admin.token, issued.json.token)).json.error.code).toBe('handoff_used');
  });
});
