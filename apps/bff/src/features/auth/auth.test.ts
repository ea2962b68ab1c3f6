import { sessionResponse, signedInResponse } from '@onbehalf/contracts/auth';
import { handoffResponse } from '@onbehalf/contracts/impersonation';
import { profilesResponse } from '@onbehalf/contracts/profiles';
import { type RouteContract, routes } from '@onbehalf/contracts/routes';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { sessionPolicy } from '../../domain/sessions.ts';
import { HASHING_AT_ONCE, hashing, WAITING_PER_HASH } from '../../lib/passwords.ts';
import { holdHashing } from '../../lib/test-hashing.ts';
import { auditTrail, countOf, rowsWhere, updateRows } from '../../store/test-rows.ts';
import {
  createTestApp,
  demoIds,
  ORIGIN,
  refusal,
  sessionCookieFrom,
  type TestApp,
} from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

describe('sign-in', () => {
  it('returns a bearer token, the session, and an HttpOnly SameSite=Lax cookie', async () => {
    // Raw: the cookie is set in a response header.
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'Buyer@Acme.test', password: 'demo-password' },
    });
    expect(res.status).toBe(200);
    const { token, session } = signedInResponse.parse(res.json);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(session.user?.email).toBe('buyer@acme.test');
    expect(session.method).toBe('password');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/ob_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
  });

  it('answers with exactly the session the new token then reports: one profile, several, operator', async () => {
    for (const email of ['buyer@acme.test', 'member@acme.test', 'root@onbehalf.test']) {
      const signedIn = await t.signIn(email);
      const now = await t.client(signedIn.token).auth.session();
      expect(signedIn.session).toEqual(now.session);
    }
    expect((await t.signIn('buyer@acme.test')).session.activeProfile).not.toBeNull();
    expect((await t.signIn('member@acme.test')).session).toMatchObject({
      activeProfile: null,
      needsProfile: true,
    });
  });

  it("says the server's time it answered at, on the server's clock: a client counts an impersonation down from it", async () => {
    const admin = await t.signIn('admin@acme.test');
    expect(admin.session.asOf).toBe(new Date(t.clock.now()).toISOString());
    t.clock.advance(30 * 60_000);
    const read = await t.client(admin.token).auth.session();
    expect(read.session.asOf).toBe(new Date(t.clock.now()).toISOString());
    const ids = demoIds(t);
    const { token } = await t
      .client(admin.token)
      .impersonation.teamHandoff(ids.profileId('buyer@acme.test'), 'an order');
    t.clock.advance(1_000);
    const acting = await t.client(admin.token).impersonation.exchange(token);
    expect(acting.session.asOf).toBe(new Date(t.clock.now()).toISOString());
    t.clock.advance(1_000);
    const left = await t.client(acting.token).impersonation.leave();
    expect(left.session.asOf).toBe(new Date(t.clock.now()).toISOString());
  });

  it('a profile switch answers with exactly the session the new token then reports', async () => {
    const switched = await t.signInAs('member@acme.test', 'Globex Inc');
    const now = await t.client(switched.token).auth.session();
    expect(switched.session).toEqual(now.session);
    expect(switched.session.activeProfile?.organization.name).toBe('Globex Inc');
  });

  it('stores only a hash of the session token', async () => {
    const { token, session } = await t.signIn('buyer@acme.test');
    const [row] = await rowsWhere(t.ts, 'sessions', { id: session.id });
    expect(row?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('answers a wrong password, an unknown email and a disabled account identically', async () => {
    await updateRows(t.ts, 'users', { status: 'disabled' }, { email: 'solo@example.test' });
    const attempts = [
      { email: 'buyer@acme.test', password: 'not-the-password' },
      { email: 'nobody@acme.test', password: 'demo-password' },
      { email: 'solo@example.test', password: 'demo-password' },
    ];
    // Raw: the whole answer, status and body, must be the same, with nothing more in it.
    const answers = [];
    for (const body of attempts) {
      const res = await t.call('POST', '/api/public/auth/sign-in', { body });
      answers.push({ status: res.status, body: res.json });
    }
    expect(answers[0]).toEqual({
      status: 401,
      body: {
        error: { code: 'invalid_credentials', message: 'The email or password is incorrect.' },
      },
    });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('answers 503 server_busy when the password hashes are full, and neither audits nor counts it as a failure', async () => {
    const attemptsBefore = await countOf(t.ts, 'loginAttempts');
    const held = holdHashing(HASHING_AT_ONCE * (1 + WAITING_PER_HASH));
    const res = await t
      .call('POST', '/api/public/auth/sign-in', {
        body: { email: 'buyer@acme.test', password: 'not-the-password' },
      })
      .finally(held.release);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.json).toMatchObject({ error: { code: 'server_busy' } });
    expect(await countOf(t.ts, 'auditEvents', { type: 'auth.sign_in.failed' })).toBe(0);
    expect(await countOf(t.ts, 'loginAttempts')).toBe(attemptsBefore);
    // Nothing was counted against the account or the address: the right password gets in.
    const signedIn = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    expect(signedIn.status).toBe(200);
  });

  it('drops a sign-in waiting for its password check when its client goes away: nothing is checked, audited or counted', async () => {
    const attemptsBefore = await countOf(t.ts, 'loginAttempts');
    const held = holdHashing(HASHING_AT_ONCE);
    const leaving = new AbortController();
    try {
      await held.started;
      const answer = t
        .call('POST', '/api/public/auth/sign-in', {
          body: { email: 'buyer@acme.test', password: 'not-the-password' },
          signal: leaving.signal,
        })
        .catch((error: unknown) => error);
      await vi.waitFor(() => expect(hashing.counts.waiting).toBe(1));
      leaving.abort();
      await vi.waitFor(() => expect(hashing.counts.waiting).toBe(0));
      await answer;
    } finally {
      // Ended however the test ends, so a failure here leaves the next tests their turns.
      leaving.abort();
      await held.release();
    }
    expect(hashing.counts).toEqual({ holding: 0, waiting: 0 });
    expect(await countOf(t.ts, 'auditEvents', { type: 'auth.sign_in.failed' })).toBe(0);
    expect(await countOf(t.ts, 'loginAttempts')).toBe(attemptsBefore);
  });

  it('audits failed sign-ins with the reason, without the password', async () => {
    await refusal(t.client().auth.signIn({ email: 'buyer@acme.test', password: 'hunter2-wrong' }));
    const events = await rowsWhere(t.ts, 'auditEvents', { type: 'auth.sign_in.failed' });
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toMatchObject({
      email: 'buyer@acme.test',
      failure: 'wrong_password',
    });
    expect(JSON.stringify(events)).not.toContain('hunter2-wrong');
  });

  it('slows repeated failures down rather than locking the account: the right password gets in after the wait', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const { auth } = t.client();
      const wrong = { email: 'buyer@acme.test', password: 'wrong' };
      for (let i = 0; i < 6; i++) {
        await expect(auth.signIn(wrong)).rejects.toMatchObject({ status: 401 });
      }
      const right = { email: 'buyer@acme.test', password: 'demo-password' };
      // Raw: the wait is read from the Retry-After header as sent.
      const limited = await t.call('POST', '/api/public/auth/sign-in', { body: right });
      expect(limited.status).toBe(429);
      expect(limited.error?.code).toBe('rate_limited');
      expect(limited.headers.get('retry-after')).toBe('1');
      vi.advanceTimersByTime(1000);
      await expect(auth.signIn(right)).resolves.toBeDefined();
    } finally {
      vi.useRealTimers();
    }
    // Another account from the same address is not locked out by it.
    await expect(
      t.client().auth.signIn({ email: 'owner@acme.test', password: 'demo-password' }),
    ).resolves.toBeDefined();
  });

  it('creates a new session id on every sign-in, never reusing a presented one', async () => {
    const first = await t.signIn('buyer@acme.test');
    // Raw: the presented session comes in a cookie.
    const again = await t.call('POST', '/api/public/auth/sign-in', {
      cookie: `ob_session=${first.token}`,
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    const { session, token } = signedInResponse.parse(again.json);
    expect(session.id).not.toBe(first.session.id);
    expect(token).not.toBe(first.token);
  });
});

describe('session resolution', () => {
  it('accepts the bearer token and the cookie alike', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const byBearer = await t.client(token).auth.session();
    const byCookie = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${token}`,
    });
    expect(byCookie.status).toBe(200);
    expect(byBearer.session.id).toBe(sessionResponse.parse(byCookie.json).session.id);
    expect(byBearer.session.activeProfile?.organization.name).toBe('Acme Corp');
  });

  it('answers 401 without a session, and for a token that was never issued', async () => {
    await expect(t.client().auth.session()).rejects.toMatchObject({
      status: 401,
      code: 'unauthenticated',
    });
    const forged = t.client('x'.repeat(43)).auth.session();
    await expect(forged).rejects.toMatchObject({ status: 401 });
    const oversized = t.client('x'.repeat(5000)).auth.session();
    await expect(oversized).rejects.toMatchObject({ status: 401 });
  });

  it('refuses a signed-out session and clears its cookie', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    // Raw: signed in by cookie, and the answer clears it in a header.
    const out = await t.call('POST', '/api/public/auth/sign-out', {
      cookie: `ob_session=${token}`,
      headers: { origin: ORIGIN },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/ob_session=;/);
    await expect(t.client(token).auth.session()).rejects.toMatchObject({
      status: 401,
      code: 'session_expired',
    });
  });

  it('refuses a session past its absolute expiry even if used constantly', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const step = sessionPolicy.idleMs / 2;
    for (let used = 0; used + step < sessionPolicy.absoluteMs; used += step) {
      t.clock.advance(step);
      await expect(t.client(token).auth.session()).resolves.toBeDefined();
    }
    t.clock.advance(step);
    await expect(t.client(token).auth.session()).rejects.toMatchObject({
      status: 401,
      code: 'session_expired',
    });
  });

  it('refuses a session left idle too long', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    t.clock.advance(sessionPolicy.idleMs + 1);
    await expect(t.client(token).auth.session()).rejects.toMatchObject({ status: 401 });
  });

  it('refuses the session of a user who has been disabled', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    await updateRows(t.ts, 'users', { status: 'disabled' }, { email: 'buyer@acme.test' });
    await expect(t.client(token).auth.session()).rejects.toMatchObject({ status: 401 });
  });
});

describe('own sessions', () => {
  it('lists only my live sessions and marks the current one', async () => {
    const a = await t.signIn('buyer@acme.test');
    const b = await t.signIn('buyer@acme.test');
    await t.signIn('owner@acme.test');
    const { sessions } = await t.client(b.token).auth.sessions();
    const ids = sessions.map((s) => s.id).sort();
    expect(ids).toEqual([a.session.id, b.session.id].sort());
    expect(sessions.find((s) => s.current)?.id).toBe(b.session.id);
  });

  it('revokes another of my sessions, which then stops working', async () => {
    const a = await t.signIn('buyer@acme.test');
    const b = await t.signIn('buyer@acme.test');
    await t.client(b.token).auth.revokeSession(a.session.id);
    await expect(t.client(a.token).auth.session()).rejects.toMatchObject({ status: 401 });
    await expect(t.client(b.token).auth.session()).resolves.toBeDefined();
  });

  it("answers 404 for someone else's session and leaves it alone", async () => {
    const mine = await t.signIn('buyer@acme.test');
    const theirs = await t.signIn('owner@acme.test');
    await expect(t.client(mine.token).auth.revokeSession(theirs.session.id)).rejects.toMatchObject({
      status: 404,
    });
    await expect(t.client(theirs.token).auth.session()).resolves.toBeDefined();
  });
});

// Raw throughout: cookies, Origin and Sec-Fetch-Site are what these tests are about.
describe('cross-site request forgery', () => {
  it('refuses a cross-site cookie POST and keeps the session', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const cookie = `ob_session=${token}`;
    const byOrigin = await t.call('POST', '/api/public/auth/sign-out', {
      cookie,
      headers: { origin: 'https://evil.example' },
    });
    expect(byOrigin.status).toBe(403);
    expect(byOrigin.error?.code).toBe('csrf_rejected');
    const byFetchMetadata = await t.call('POST', '/api/public/orders', {
      cookie,
      headers: { 'sec-fetch-site': 'cross-site' },
      body: { sku: 'PAPER-A4', quantity: 1 },
    });
    expect(byFetchMetadata.status).toBe(403);
    const form = await t.call('POST', '/api/public/auth/sign-out', {
      cookie,
      headers: {
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'a=1',
    });
    expect(form.status).toBe(403);
    expect((await t.call('GET', '/api/public/auth/session', { cookie })).status).toBe(200);
  });

  it('accepts a same-origin cookie POST', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const res = await t.call('POST', '/api/public/auth/sign-out', {
      cookie: `ob_session=${token}`,
      headers: { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
    });
    expect(res.status).toBe(200);
  });

  /** What a browser sends when a page on another site navigates the top window here. */
  const crossSiteNavigation = {
    'sec-fetch-site': 'cross-site',
    'sec-fetch-mode': 'navigate',
    'sec-fetch-dest': 'document',
  };
  const gets = Object.entries(routes as Record<string, RouteContract>).filter(
    ([, route]) => route.method === 'get',
  );
  const sameSiteOnly = gets.filter(([, route]) => route.crossSite === 'refused');
  const concrete = (path: string) => path.replace(/\{\w+\}/g, '1');
  const trailLength = async () => (await auditTrail(t.ts)).length;
  /** The error's code: in the envelope, or on the page a navigation is answered with. */
  const codeOf = (res: Awaited<ReturnType<TestApp['call']>>) =>
    res.error?.code ?? /<code>(\w+)<\/code>/.exec(res.text)?.[1];

  it('the table refuses another site on the GETs that hand out a credential or write the trail in someone’s name', () => {
    expect(sameSiteOnly.map(([name]) => name).sort()).toEqual([
      'account.accessHistory',
      'account.credentials',
      'account.integrationAccess',
      'apiKeys.list',
      'audit.export',
      'audit.impersonation',
      'audit.list',
      'audit.teamExport',
      'audit.teamImpersonation',
      'audit.teamList',
      'audit.verify',
      'auth.jwt',
      'auth.sessions',
      'impersonation.operatorHandoff',
      'impersonation.teamHandoff',
      'sys.outbox',
    ]);
    // A GET that refuses a session acting for someone audits the refusal: refused first.
    for (const [name, route] of gets) {
      if (route.actingForSomeone === 'refused') expect(route.crossSite, name).toBe('refused');
    }
  });

  it('each refuses a page on another site sending a signed-in browser to it, before anything is written', async () => {
    const operator = `ob_session=${(await t.signIn('root@onbehalf.test')).token}`;
    const teamAdmin = `ob_session=${(await t.signIn('owner@acme.test')).token}`;
    const fromElsewhere: Record<string, string>[] = [
      crossSiteNavigation,
      { 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' },
      { origin: 'https://evil.example' },
    ];
    for (const [name, route] of sameSiteOnly) {
      const query = route.download ? '?format=csv' : '';
      const cookie = route.path.startsWith('/api/sys/') ? operator : teamAdmin;
      for (const headers of fromElsewhere) {
        const before = await trailLength();
        const res = await t.call('GET', `${concrete(route.path)}${query}`, { cookie, headers });
        const written = (await trailLength()) - before;
        expect([name, res.status, codeOf(res), written]).toEqual([name, 403, 'csrf_rejected', 0]);
      }
    }
    // The export's turn was not taken either: the operator's own export goes ahead.
    const own = await t.call('GET', '/api/sys/audit-events/export?format=csv', {
      cookie: operator,
      headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' },
    });
    expect(own.status).toBe(200);
  });

  it('a session acting for someone is refused from another site before its refusal is audited', async () => {
    const admin = await t.signIn('admin@acme.test');
    const buyer = demoIds(t).profileId('buyer@acme.test');
    const { token: handoff } = await t
      .client(admin.token)
      .impersonation.teamHandoff(buyer, 'Checking the basket');
    const imp = await t.client(admin.token).impersonation.exchange(handoff);
    const cookie = `ob_session=${admin.token}; ob_impersonation=${imp.token}`;
    const before = await trailLength();
    const res = await t.call('GET', '/api/public/account/access-history', {
      cookie,
      headers: crossSiteNavigation,
    });
    expect([res.status, codeOf(res)]).toEqual([403, 'csrf_rejected']);
    expect(await trailLength()).toBe(before);
  });

  it('the portal’s own reads, its export links, the address bar and API clients read the trail, on the record', async () => {
    const { token } = await t.signIn('root@onbehalf.test');
    const cookie = `ob_session=${token}`;
    const portalFetch = {
      origin: ORIGIN,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
    };
    // A download link the portal shows: a same-origin navigation (no Origin on a GET).
    const downloadLink = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate' };
    const addressBar = { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' };
    const answers = [
      await t.call('GET', '/api/sys/audit-events?limit=1', { cookie, headers: portalFetch }),
      await t.call('GET', '/api/sys/outbox', { cookie, headers: portalFetch }),
      await t.call('GET', '/api/sys/audit-events/export?format=csv', {
        cookie,
        headers: downloadLink,
      }),
      await t.call('GET', '/api/sys/audit-events/export?format=ndjson', {
        cookie,
        headers: addressBar,
      }),
      // An API client sends no Sec-Fetch-* and no Origin.
      await t.call('GET', '/api/sys/audit-events/export?format=csv&type=audit.read', { token }),
    ];
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);
    const exported = await rowsWhere(t.ts, 'auditEvents', { type: 'audit.exported' });
    expect(exported.map((e) => e.details?.format)).toEqual(['csv', 'ndjson', 'csv']);
  });

  it('sets the session cookie from sign-in so the browser carries it', async () => {
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    const cookie = sessionCookieFrom(res.headers);
    expect(cookie).toBeDefined();
    expect((await t.call('GET', '/api/public/auth/session', { cookie })).status).toBe(200);
  });
});

// Raw: the X-Forwarded-For header is what is under test.
describe('client address', () => {
  it('comes from the socket unless proxies are trusted, then from X-Forwarded-For', async () => {
    const direct = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: 'wrong' },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(direct.status).toBe(401);
    const behindProxy = await createTestApp({ env: { TRUST_PROXY: '1' } });
    await behindProxy.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: 'wrong' },
      headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' },
    });
    const ipOf = async (app: TestApp) =>
      (await rowsWhere(app.ts, 'auditEvents', { type: 'auth.sign_in.failed' }))[0]?.ip;
    expect(await ipOf(t)).toBeNull();
    expect(await ipOf(behindProxy)).toBe('203.0.113.7');
  });
});

// Raw: the X-Request-Id headers are what is under test.
describe('request ids', () => {
  it('are made by the server: a client’s X-Request-Id is neither echoed nor recorded', async () => {
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      headers: { 'x-request-id': 'chosen-by-the-client' },
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [event] = await rowsWhere(t.ts, 'auditEvents', { type: 'auth.sign_in.succeeded' });
    expect(event?.requestId).toBe(id);
    expect(await countOf(t.ts, 'auditEvents', { requestId: 'chosen-by-the-client' })).toBe(0);
  });
});

describe('session tokens in response bodies', () => {
  const BASIC_GATE = `Basic ${Buffer.from('staging:gate-password').toString('base64')}`;
  const signInBody = { email: 'admin@acme.test', password: 'demo-password' };

  // Raw: a browser is told apart by its headers, and signed in by its cookie.
  it('a browser signing in gets the cookie and no token in the body', async () => {
    const browsers: Record<string, string>[] = [
      { origin: ORIGIN },
      { 'sec-fetch-site': 'same-origin' },
      // Behind an HTTP Basic gate, the browser sends its credentials with every fetch.
      { origin: ORIGIN, 'sec-fetch-site': 'same-origin', authorization: BASIC_GATE },
    ];
    for (const headers of browsers) {
      const res = await t.call('POST', '/api/public/auth/sign-in', { headers, body: signInBody });
      expect(res.status).toBe(200);
      expect(res.json).not.toHaveProperty('token');
      expect(res.text).not.toMatch(/"token"/);
      expect(sessionCookieFrom(res.headers)).toMatch(/^ob_session=[\w-]{43}$/);
    }
  });

  it('cookie clients switching profile or exchanging a hand-off get no token in the body', async () => {
    const signedIn = await t.call('POST', '/api/public/auth/sign-in', {
      headers: { origin: ORIGIN },
      body: { email: 'member@acme.test', password: 'demo-password' },
    });
    const cookie = sessionCookieFrom(signedIn.headers) ?? '';
    const profiles = await t.call('GET', '/api/public/coworkers/profiles', { cookie });
    const switched = await t.call('PUT', '/api/public/coworkers/profiles/current', {
      cookie,
      headers: { origin: ORIGIN },
      body: { Id: profilesResponse.parse(profiles.json).Profiles[0]?.Id },
    });
    expect(switched.status).toBe(200);
    expect(switched.json).not.toHaveProperty('token');
    const gated = await t.call('PUT', '/api/public/coworkers/profiles/current', {
      cookie: sessionCookieFrom(switched.headers) ?? '',
      headers: { origin: ORIGIN, authorization: BASIC_GATE },
      body: { Id: profilesResponse.parse(profiles.json).Profiles[0]?.Id },
    });
    expect(gated.status).toBe(200);
    expect(gated.json).not.toHaveProperty('token');

    const admin = await t.call('POST', '/api/public/auth/sign-in', {
      headers: { origin: ORIGIN },
      body: signInBody,
    });
    const adminCookie = sessionCookieFrom(admin.headers) ?? '';
    const coworkers = await t.call('GET', '/api/public/coworkers/profiles', {
      cookie: adminCookie,
    });
    const buyer = profilesResponse
      .parse(coworkers.json)
      .Profiles.find((p) => p.Email === 'buyer@acme.test');
    const issued = await t.call('GET', `/api/public/coworkers/${buyer?.Id}/impersonate`, {
      cookie: adminCookie,
    });
    const { token: handoff } = handoffResponse.parse(issued.json);
    const exchanged = await t.call('POST', `/api/public/auth/login/${handoff}`, {
      cookie: adminCookie,
      headers: { origin: ORIGIN },
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.json).not.toHaveProperty('token');
    expect(exchanged.headers.get('set-cookie')).toMatch(/ob_impersonation=[\w-]{43}/);
  });

  it('a browser redeeming a one-click link gets the cookie and no token in the body', async () => {
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    const userId = demoIds(t).userId('buyer@acme.test');
    await t.client(ops).sys.emailOneClickLink({ userId });
    const hash = new URL(t.latestMail('buyer@acme.test').url ?? '').pathname.split('/')[3];
    const res = await t.call('POST', '/api/public/auth/one-click', {
      headers: { origin: ORIGIN },
      body: { userId, hash },
    });
    expect(res.status).toBe(200);
    expect(res.json).not.toHaveProperty('token');
    expect(res.text).not.toMatch(/"token"/);
    expect(sessionCookieFrom(res.headers)).toMatch(/^ob_session=[\w-]{43}$/);
  });

  it('API clients still get the token they need for Authorization: Bearer', async () => {
    const signedIn = await t.client().auth.signIn(signInBody);
    expect(signedIn.token).toMatch(/^[\w-]{43}$/);
  });
});
