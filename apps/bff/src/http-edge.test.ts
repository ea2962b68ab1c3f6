import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { afterThisFile } from './test/file-cleanup.ts';
import { createTestApp, demoIds, ORIGIN } from './test/harness.ts';

/**
 * The HTTP edge's security properties a mutation review found untested (SPEC §7, §8, §8b; ADRs
 * 006, 016): each test here failed with one of its mutations.
 */
describe('the HTTP edge holds what SPEC §8 and §8b name', () => {
  it('hosts that only look like an IP literal or an allowed host get 421', async () => {
    const t = await createTestApp({ rateLimits: false });
    for (const host of [
      'http://127.0.0.1.evil.test',
      'http://10.0.0.1.nip.io',
      'http://evilportal.test',
    ]) {
      expect([host, (await t.app.request(`${host}/api/health`)).status]).toEqual([host, 421]);
    }
  });

  it('production sends HSTS, the whole CSP, DENY framing and a __Host- Secure session cookie', async () => {
    const t = await createTestApp({ rateLimits: false, env: { NODE_ENV: 'production' } });
    const res = await t.call('GET', '/api/health');
    expect(res.headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const signIn = await t.call('POST', '/api/public/auth/sign-in', {
      headers: { origin: ORIGIN },
      body: { email: 'buyer@acme.test', password: 'demo-password' },
    });
    expect(signIn.headers.getSetCookie().find((c) => /ob_session=/.test(c))).toMatch(
      /^__Host-ob_session=[\w-]{43};.*Secure/,
    );
  });

  it('a right password clears what the address owed for that account (ADR 016)', async () => {
    const t = await createTestApp();
    const check = (ok: boolean) =>
      t.deps.limiters.checkingPassword(
        'buyer@acme.test',
        '203.0.113.9',
        async () => ok,
        (r) => !r,
      );
    for (let i = 0; i < 5; i++) await check(false);
    await check(true);
    await check(false);
    await expect(check(false)).resolves.toBe(false);
  });

  it('hand-off guesses from many sessions of one address are counted per address too', async () => {
    const t = await createTestApp();
    let refused = 0;
    for (let i = 0; i < 25; i++) {
      await t.deps.limiters
        .countExchangeGuess(`session-${i}`, '203.0.113.9')
        .catch(() => refused++);
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('a session JWT never outlives its session', async () => {
    const t = await createTestApp({ rateLimits: false });
    const admin = await t.signIn('admin@acme.test');
    const buyer = demoIds(t).profileId('buyer@acme.test');
    const { token: handoff } = await t
      .client(admin.token)
      .impersonation.teamHandoff(buyer, 'Checking');
    const imp = await t.client(admin.token).impersonation.exchange(handoff);
    const ends = Date.parse(imp.session.expiresAt);
    while (t.clock.now() < ends - 2 * 60_000) {
      t.clock.advance(Math.min(10 * 60_000, ends - 2 * 60_000 - t.clock.now()));
      await t.client(admin.token).auth.session();
      await t.client(imp.token).auth.session();
    }
    const { jwt } = await t.client(imp.token).auth.jwt();
    expect((decodeJwt(jwt).exp ?? 0) * 1000).toBeLessThanOrEqual(ends);
  });

  it('a cross-site PUT with a JSON body is refused', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { token, session } = await t.signIn('buyer@acme.test');
    const res = await t.call('PUT', '/api/public/coworkers/profiles/current', {
      cookie: `ob_session=${token}`,
      headers: { 'sec-fetch-site': 'cross-site' },
      body: { Id: session.activeProfile?.Id },
    });
    expect([res.status, res.error?.code]).toEqual([403, 'csrf_rejected']);
  });

  it('a cross-site DELETE is refused, and the session it names lives on', async () => {
    const t = await createTestApp({ rateLimits: false });
    const own = await t.signIn('buyer@acme.test');
    const other = await t.signIn('buyer@acme.test');
    // A JSON type, so Hono's csrf() (form types and bodies without a type) lets it through and
    // only our own check stands between a page on another site and the revocation.
    const res = await t.call('DELETE', `/api/public/auth/sessions/${other.session.id}`, {
      cookie: `ob_session=${own.token}`,
      headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' },
    });
    expect([res.status, res.error?.code]).toEqual([403, 'csrf_rejected']);
    expect((await t.call('GET', '/api/public/auth/session', { token: other.token })).status).toBe(
      200,
    );
  });

  it('a foreign Host is answered 421 before its body is weighed or its origin checked', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { token } = await t.signIn('buyer@acme.test');
    const foreign = 'http://evil.test';
    const oversized = await t.app.request(`${foreign}/api/public/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': '10000000' },
      body: '{}',
    });
    const crossSite = await t.app.request(`${foreign}/api/public/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: `ob_session=${token}`, 'sec-fetch-site': 'cross-site' },
    });
    const notJson = await t.app.request(`${foreign}/api/public/auth/sign-out`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'text/plain',
        'content-length': '1',
      },
      body: 'x',
    });
    expect([oversized.status, crossSite.status, notJson.status]).toEqual([421, 421, 421]);
    expect((await t.call('GET', '/api/public/auth/session', { token })).status).toBe(200);
  });

  it('an origin that merely starts with PUBLIC_ORIGIN is foreign', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { token, session } = await t.signIn('buyer@acme.test');
    const res = await t.call('PUT', '/api/public/coworkers/profiles/current', {
      cookie: `ob_session=${token}`,
      headers: { origin: `${ORIGIN}.evil.example` },
      body: { Id: session.activeProfile?.Id },
    });
    expect([res.status, res.error?.code]).toEqual([403, 'csrf_rejected']);
  });

  it('a route without a body refuses a non-JSON one with 415', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { token } = await t.signIn('buyer@acme.test');
    const res = await t.call('POST', '/api/public/auth/sign-out', {
      token,
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect([res.status, res.error?.code]).toEqual([415, 'unsupported_media_type']);
  });

  it('a body under a JSON type spelt otherwise than the validator reads it is refused, never read as empty', async () => {
    const t = await createTestApp({ rateLimits: false, env: { ONBEHALF_TEST_MODE: '1' } });
    for (const type of [
      'APPLICATION/JSON',
      'Application/Json',
      'application/json ; charset=utf-8',
    ]) {
      // This route takes every field as optional: a body not read would make a support
      // operator from its defaults.
      const res = await t.call('POST', '/api/test/operators', {
        body: JSON.stringify({ role: 'superadmin' }),
        headers: { 'content-type': type },
      });
      expect([type, res.status, res.error?.code]).toEqual([type, 415, 'unsupported_media_type']);
    }
    // Spelt as the validator reads it, the same body is taken, with its parameter too.
    const taken = await t.call('POST', '/api/test/operators', {
      body: JSON.stringify({ role: 'superadmin' }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(taken.status).toBe(201);
    expect(JSON.stringify(taken.json)).toContain('superadmin');
  });

  it('a cookie POST with neither Origin nor Sec-Fetch-Site and no JSON body is refused', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { token } = await t.signIn('buyer@acme.test');
    const res = await t.call('POST', '/api/public/auth/sign-out', {
      cookie: `ob_session=${token}`,
    });
    expect([res.status, res.error?.code]).toEqual([403, 'csrf_rejected']);
  });

  it('a dead session cookie is cleared by its 401', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { token } = await t.signIn('buyer@acme.test');
    await t.client(token).auth.signOut();
    const res = await t.call('GET', '/api/public/auth/session', { cookie: `ob_session=${token}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toMatch(/^ob_session=; Max-Age=0; Path=\/(;|$)/);
    // Not Secure in development: a browser on http://localhost would ignore a Secure cookie.
    expect(res.headers.get('set-cookie')).not.toMatch(/Secure/i);
  });

  it('in production a dead session cookie is cleared as it was set: __Host-, Secure, Path=/', async () => {
    const t = await createTestApp({ rateLimits: false, env: { NODE_ENV: 'production' } });
    const { token } = await t.signIn('buyer@acme.test');
    await t.client(token).auth.signOut();
    const res = await t.call('GET', '/api/public/auth/session', {
      cookie: `__Host-ob_session=${token}`,
    });
    expect(res.status).toBe(401);
    const cleared = res.headers.getSetCookie().find((c) => c.startsWith('__Host-ob_session='));
    expect(cleared).toMatch(/^__Host-ob_session=; Max-Age=0; Path=\/; Secure$/);
  });

  it('an API key is not a credential on /api/public', async () => {
    const t = await createTestApp({ rateLimits: false });
    const root = await t.signIn('root@onbehalf.test');
    const created = await t.client(root.token).apiKeys.create({
      name: 'k',
      scopes: ['users:read'],
      organizationIds: [demoIds(t).organizationId('Acme Corp')],
    });
    const res = await t.call('GET', '/api/public/orders', { token: created.secret });
    expect([res.status, res.error?.code]).toEqual([401, 'unauthenticated']);
  });

  it('the portal page a one-click link opens is no-store and no-referrer', async () => {
    const t = await createTestApp({ rateLimits: false });
    const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-portal-'));
    afterThisFile(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>p</title>');
    const app = createApp(t.deps, { portalDir: dir });
    const res = await app.request(`${ORIGIN}/one-click/1/abcdef`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});
