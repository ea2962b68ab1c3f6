import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { auditEvents } from '../../db/schema/audit-events.ts';
import { sessions } from '../../db/schema/sessions.ts';
import { users } from '../../db/schema/users.ts';
import { sessionPolicy } from '../../domain/sessions.ts';
import { createTestApp, ORIGIN, sessionCookieFrom, type TestApp } from '../../test/harness.ts';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

describe('sign-in', () => {
  it('returns a bearer token, the session, and an HttpOnly SameSite=Lax cookie', async () => {
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'Buyer@Acme.test', password: 'demo-password' },
    });
    expect(res.status).toBe(200);
    expect(res.json.token).toMatch(/^[\w-]{43}$/);
    expect(res.json.session.user.email).toBe('buyer@acme.test');
    expect(res.json.session.method).toBe('password');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/ob_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
  });

  it('answers with exactly the session the new token then reports: one profile, several, operator', async () => {
    for (const email of ['buyer@acme.test', 'member@acme.test', 'root@onbehalf.test']) {
      const signedIn = await t.signIn(email);
      const now = await t.call('GET', '/api/public/auth/session', { token: signedIn.token });
      expect(signedIn.session).toEqual(now.json.session);
    }
    expect((await t.signIn('buyer@acme.test')).session.activeProfile).not.toBeNull();
    expect((await t.signIn('member@acme.test')).session).toMatchObject({
      activeProfile: null,
      needsProfile: true,
    });
  });

  it('a profile switch answers with exactly the session the new token then reports', async () => {
    const switched = await t.signInAs('member@acme.test', 'Globex Inc');
    const now = await t.call('GET', '/api/public/auth/session', { token: switched.token });
    expect(switched.session).toEqual(now.json.session);
    expect(switched.session.activeProfile?.organization.name).toBe('Globex Inc');
  });

  it('stores only a hash of the session token', async () => {
    const { token, session } = await t.signIn('buyer@acme.test');
    const row = t.db.select().from(sessions).where(eq(sessions.id, session.id)).get();
    expect(row?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('answers a wrong password, an unknown email and a disabled account identically', async () => {
    t.db
      .update(users)
      .set({ status: 'disabled' })
      .where(eq(users.email, 'solo@example.test'))
      .run();
    const attempts = [
      { email: 'buyer@acme.test', password: 'not-the-password' },
      { email: 'nobody@acme.test', password: 'demo-password' },
      { email: 'solo@example.test', password: 'demo-password' },
    ];
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

  it('audits failed sign-ins with the reason, without the password', async () => {
    await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: 'hunter2-wrong' },
    });
    const events = t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'auth.sign_in.failed'))
      .all();
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
      const wrong = { email: 'buyer@acme.test', password: 'wrong' };
      for (let i = 0; i < 6; i++) {
        expect((await t.call('POST', '/api/public/auth/sign-in', { body: wrong })).status).toBe(
          401,
        );
      }
      const right = { email: 'buyer@acme.test', password: 'demo-password' };
      const limited = await t.call('POST', '/api/public/auth/sign-in', { body: right });
      expect(limited.status).toBe(429);
      expect(limited.json.error.code).toBe('rate_limited');
      expect(limited.headers.get('retry-after')).toBe('1');
      vi.advanceTimersByTime(1000);
      expect((await t.call('POST', '/api/public/auth/sign-in', { body: right })).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
    // Another account from the same address is not locked out by it.
    expect(
      (
        await t.call('POST', '/api/public/auth/sign-in', {
          body: { email: 'owner@acme.test', password: 'demo-password' },
        })
      ).status,
    ).toBe(200);
  });

  it('creates a new session id on every sign-in, never reusing a presented one', async () => {
    const first = await t.signIn('buyer@acme.test');
    const again = await t.call('POST', '/api/public/auth/sign-in', {
      cookie: `ob_session=${first.token}`,
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    expect(again.json.session.id).not.toBe(first.session.id);
    expect(again.json.token).not.toBe(first.token);
  });
});

describe('session resolution', () => {
  it('accepts the bearer token and the cookie alike', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const byBearer = await t.call('GET', '/api/public/auth/session', { token });
    const byCookie = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${token}`,
    });
    expect(byBearer.status).toBe(200);
    expect(byCookie.status).toBe(200);
    expect(byBearer.json.session.id).toBe(byCookie.json.session.id);
    expect(byBearer.json.session.activeProfile.organization.name).toBe('Acme Corp');
  });

  it('answers 401 without a session, and for a token that was never issued', async () => {
    const none = await t.call('GET', '/api/public/auth/session');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthenticated');
    const forged = await t.call('GET', '/api/public/auth/session', { token: 'x'.repeat(43) });
    expect(forged.status).toBe(401);
    const oversized = await t.call('GET', '/api/public/auth/session', { token: 'x'.repeat(5000) });
    expect(oversized.status).toBe(401);
  });

  it('refuses a signed-out session and clears its cookie', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const out = await t.call('POST', '/api/public/auth/sign-out', {
      cookie: `ob_session=${token}`,
      headers: { origin: ORIGIN },
    });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/ob_session=;/);
    const after = await t.call('GET', '/api/public/auth/session', { token });
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe('session_expired');
  });

  it('refuses a session past its absolute expiry even if used constantly', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const step = sessionPolicy.idleMs / 2;
    for (let used = 0; used + step < sessionPolicy.absoluteMs; used += step) {
      t.clock.advance(step);
      expect((await t.call('GET', '/api/public/auth/session', { token })).status).toBe(200);
    }
    t.clock.advance(step);
    const res = await t.call('GET', '/api/public/auth/session', { token });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('session_expired');
  });

  it('refuses a session left idle too long', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    t.clock.advance(sessionPolicy.idleMs + 1);
    expect((await t.call('GET', '/api/public/auth/session', { token })).status).toBe(401);
  });

  it('refuses the session of a user who has been disabled', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    t.db.update(users).set({ status: 'disabled' }).where(eq(users.email, 'buyer@acme.test')).run();
    expect((await t.call('GET', '/api/public/auth/session', { token })).status).toBe(401);
  });
});

describe('own sessions', () => {
  it('lists only my live sessions and marks the current one', async () => {
    const a = await t.signIn('buyer@acme.test');
    const b = await t.signIn('buyer@acme.test');
    await t.signIn('owner@acme.test');
    const res = await t.call('GET', '/api/public/auth/sessions', { token: b.token });
    expect(res.status).toBe(200);
    const ids = res.json.sessions.map((s: { id: string }) => s.id).sort();
    expect(ids).toEqual([a.session.id, b.session.id].sort());
    expect(res.json.sessions.find((s: { current: boolean }) => s.current).id).toBe(b.session.id);
  });

  it('revokes another of my sessions, which then stops working', async () => {
    const a = await t.signIn('buyer@acme.test');
    const b = await t.signIn('buyer@acme.test');
    const res = await t.call('DELETE', `/api/public/auth/sessions/${a.session.id}`, {
      token: b.token,
    });
    expect(res.status).toBe(200);
    expect((await t.call('GET', '/api/public/auth/session', { token: a.token })).status).toBe(401);
    expect((await t.call('GET', '/api/public/auth/session', { token: b.token })).status).toBe(200);
  });

  it("answers 404 for someone else's session and leaves it alone", async () => {
    const mine = await t.signIn('buyer@acme.test');
    const theirs = await t.signIn('owner@acme.test');
    const res = await t.call('DELETE', `/api/public/auth/sessions/${theirs.session.id}`, {
      token: mine.token,
    });
    expect(res.status).toBe(404);
    expect((await t.call('GET', '/api/public/auth/session', { token: theirs.token })).status).toBe(
      200,
    );
  });
});

describe('cross-site request forgery', () => {
  it('refuses a cross-site cookie POST and keeps the session', async () => {
    const { token } = await t.signIn('buyer@acme.test');
    const cookie = `ob_session=${token}`;
    const byOrigin = await t.call('POST', '/api/public/auth/sign-out', {
      cookie,
      headers: { origin: 'https://evil.example' },
    });
    expect(byOrigin.status).toBe(403);
    expect(byOrigin.json.error.code).toBe('csrf_rejected');
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

  it('sets the session cookie from sign-in so the browser carries it', async () => {
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    const cookie = sessionCookieFrom(res.headers);
    expect(cookie).toBeDefined();
    expect((await t.call('GET', '/api/public/auth/session', { cookie })).status).toBe(200);
  });
});

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
    const ipOf = (app: TestApp) =>
      app.db
        .select({ ip: auditEvents.ip })
        .from(auditEvents)
        .where(eq(auditEvents.type, 'auth.sign_in.failed'))
        .get()?.ip;
    expect(ipOf(t)).toBeNull();
    expect(ipOf(behindProxy)).toBe('203.0.113.7');
  });
});

describe('request ids', () => {
  it('are made by the server: a client’s X-Request-Id is neither echoed nor recorded', async () => {
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      headers: { 'x-request-id': 'chosen-by-the-client' },
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const event = t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, 'auth.sign_in.succeeded'))
      .get();
    expect(event?.requestId).toBe(id);
    const stored = t.sqlite
      .prepare("SELECT count(*) AS n FROM audit_events WHERE request_id = 'chosen-by-the-client'")
      .get() as { n: number };
    expect(stored.n).toBe(0);
  });
});

describe('session tokens in response bodies', () => {
  const signInBody = { email: 'admin@acme.test', password: 'demo-password' };

  it('a browser signing in gets the cookie and no token in the body', async () => {
    const browsers: Record<string, string>[] = [
      { origin: ORIGIN },
      { 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of browsers) {
      const res = await t.call('POST', '/api/public/auth/sign-in', { headers, body: signInBody });
      expect(res.status).toBe(200);
      expect(res.json.token).toBeUndefined();
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
      body: { Id: profiles.json.Profiles[0].Id },
    });
    expect(switched.status).toBe(200);
    expect(switched.json.token).toBeUndefined();

    const admin = await t.call('POST', '/api/public/auth/sign-in', {
      headers: { origin: ORIGIN },
      body: signInBody,
    });
    const adminCookie = sessionCookieFrom(admin.headers) ?? '';
    const coworkers = await t.call('GET', '/api/public/coworkers/profiles', {
      cookie: adminCookie,
    });
    const buyer = coworkers.json.Profiles.find(
      (p: { Email: string }) => p.Email === 'buyer@acme.test',
    );
    const issued = await t.call('GET', `/api/public/coworkers/${buyer.Id}/impersonate`, {
      cookie: adminCookie,
    });
    const exchanged = await t.call('POST', `/api/public/auth/login/${issued.json.token}`, {
      cookie: adminCookie,
      headers: { origin: ORIGIN },
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.json.token).toBeUndefined();
    expect(exchanged.headers.get('set-cookie')).toMatch(/ob_impersonation=[\w-]{43}/);
  });

  it('API clients still get the token they need for Authorization: Bearer', async () => {
    const res = await t.call('POST', '/api/public/auth/sign-in', { body: signInBody });
    expect(res.json.token).toMatch(/^[\w-]{43}$/);
  });
});
