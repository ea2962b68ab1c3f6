import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { DEMO_PASSWORD } from '../store/demo.ts';
import { createTestApp, demoIds, refusal, sessionCookieFrom } from '../test/harness.ts';

type Line = Record<string, unknown>;

/** The real logger, writing its JSON lines into an array instead of stdout. */
function capturingLogger() {
  const raw: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void raw.push(line) });
  const lines = () => raw.map((line) => JSON.parse(line) as Line);
  return { logger, raw, lines };
}

async function loggedApp(env?: Record<string, string>) {
  const log = capturingLogger();
  const t = await createTestApp({ rateLimits: false, logger: log.logger, env });
  return { t, ...log };
}

const requestLines = (lines: Line[]) => lines.filter((l) => l.msg === 'request');

describe('the request log', () => {
  it('writes one JSON line per request: ids, route, method, status, duration and who', async () => {
    const { t, lines } = await loggedApp();
    const owner = await t.signIn('owner@acme.test');
    const before = requestLines(lines()).length;

    // Raw: the client's request id goes in a header, the server's comes back in one.
    const res = await t.call('GET', '/api/public/auth/session', {
      token: owner.token,
      headers: { 'x-request-id': 'client-chosen-id' },
    });

    const logged = requestLines(lines());
    expect(logged).toHaveLength(before + 1);
    const line = logged.at(-1);
    expect(line).toEqual({
      level: 'info',
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      msg: 'request',
      // The server's own id, the one the response and the audit trail carry; the client's apart.
      requestId: res.headers.get('x-request-id'),
      clientRequestId: 'client-chosen-id',
      method: 'GET',
      route: '/api/public/auth/session',
      status: 200,
      durationMs: expect.any(Number),
      userId: demoIds(t).userId('owner@acme.test'),
    });
    expect(line?.requestId).not.toBe('client-chosen-id');
  });

  it('names the error code, and the route pattern of a request that matched no route', async () => {
    const { t, lines } = await loggedApp();
    await expect(t.client().auth.session()).rejects.toMatchObject({ status: 401 });
    await t.call('GET', '/api/public/no/such/thing');
    const [unauthenticated, missing] = requestLines(lines()).slice(-2);
    expect(unauthenticated).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(unauthenticated).not.toHaveProperty('userId');
    expect(missing).toMatchObject({ status: 404, code: 'not_found', route: '/api/*' });
  });

  it('attributes a request made while impersonating to both people, and keeps its header', async () => {
    const { t, lines } = await loggedApp();
    const ids = demoIds(t);
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const issued = await admin.impersonation.teamHandoff(
      ids.profileId('buyer@acme.test'),
      'checking an order',
    );
    const started = await admin.impersonation.exchange(issued.token);
    // Raw: the impersonation's id comes back in a response header.
    const res = await t.call('GET', '/api/public/orders', { token: started.token });
    const impersonationId = started.session.actor?.impersonationId;
    expect(impersonationId).toEqual(expect.any(String));
    expect(res.headers.get('x-impersonation-id')).toBe(impersonationId);

    const line = requestLines(lines()).at(-1);
    expect(line).toMatchObject({
      route: '/api/public/orders',
      status: 200,
      userId: ids.userId('buyer@acme.test'),
      actorUserId: ids.userId('admin@acme.test'),
      impersonationId,
    });
  });

  it('never writes a secret: tokens in the path, bearer tokens, cookies, passwords, bodies', async () => {
    const { t, raw, lines } = await loggedApp();
    const ids = demoIds(t);
    const admin = await t.signIn('admin@acme.test');
    const browser = await refusal(
      t.client().auth.signIn({ email: 'owner@acme.test', password: 'demo-password-in-a-body' }),
    );
    // Raw: the session cookie is set in a response header and sent back in a request header.
    const cookieOwner = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: DEMO_PASSWORD },
    });
    const cookie = sessionCookieFrom(cookieOwner.headers) ?? '';
    expect(cookie).toMatch(/^ob_session=.{20,}/);
    expect((await t.call('GET', '/api/public/auth/session', { cookie })).status).toBe(200);
    const asAdmin = t.client(admin.token);
    const { token: handoff } = await asAdmin.impersonation.teamHandoff(
      ids.profileId('buyer@acme.test'),
      'checking an order',
    );
    const exchanged = await asAdmin.impersonation.exchange(handoff);
    // A guess at a hand-off token, refused: still only the pattern is written.
    await refusal(asAdmin.impersonation.exchange('not-a-real-token-guess'));

    const text = raw.join('');
    for (const secret of [
      admin.token,
      exchanged.token,
      handoff,
      'not-a-real-token-guess',
      'demo-password-in-a-body',
      'checking+an+order',
      cookie.slice('ob_session='.length),
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(browser.status).toBe(401);
    const routes = requestLines(lines()).map((l) => l.route);
    expect(routes).toContain('/api/public/auth/login/:token');
    expect(routes).toContain('/api/public/coworkers/:coworkerId/impersonate');
  });

  it('writes an unhandled error with its request id, and the request line at error level', async () => {
    const { t, lines } = await loggedApp();
    const owner = await t.signIn('owner@acme.test');
    // Every session lookup now throws what a bug would: not an AppError, not a database fault.
    vi.spyOn(t.deps.store.auth, 'sessionByToken').mockRejectedValue(
      new TypeError("Cannot read properties of undefined (reading 'id')"),
    );
    // Raw: the request id of the failure comes back in a response header.
    const res = await t.call('GET', '/api/public/auth/session', { token: owner.token });
    expect(res.status).toBe(500);
    const requestId = res.headers.get('x-request-id');
    const [error, request] = lines().slice(-2);
    expect(error).toMatchObject({
      level: 'error',
      msg: 'unhandled error',
      requestId,
      err: { type: 'TypeError', message: expect.any(String), stack: expect.any(String) },
    });
    expect(request).toMatchObject({ level: 'error', msg: 'request', requestId, status: 500 });
  });
});

describe('X-Forwarded-For without TRUST_PROXY', () => {
  const warnings = (lines: Line[]) =>
    lines.filter((l) => l.level === 'warn' && String(l.msg).includes('TRUST_PROXY=0'));

  it('is warned about once, on the first such request', async () => {
    const { t, lines } = await loggedApp();
    await t.call('GET', '/api/health');
    expect(warnings(lines())).toHaveLength(0);
    await t.call('GET', '/api/health', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    await t.call('GET', '/api/health', { headers: { 'x-forwarded-for': '203.0.113.8' } });
    expect(warnings(lines())).toHaveLength(1);
  });

  it('is not warned about when proxies are trusted', async () => {
    const { t, lines } = await loggedApp({ TRUST_PROXY: '1' });
    await t.call('GET', '/api/health', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(warnings(lines())).toHaveLength(0);
  });
});
