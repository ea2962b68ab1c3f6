import { describe, expect, it } from 'vitest';
import { rules } from '../../lib/rate-limit.ts';
import { createTestApp, demoIds, refusal, type TestApp } from '../../test/harness.ts';

const METRICS_TOKEN = 'scrape-me-if-you-can-0123456789';

/** Raw: the exposition is Prometheus text, served beside the route table. */
const scrape = (t: TestApp, token = METRICS_TOKEN) => t.call('GET', '/metrics', { token });

type Sample = { name: string; labels: Record<string, string>; value: number };

function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { name: match[1] ?? '', labels, value: Number(match[3]) };
    });
}

/** The sum of the series matching these labels (0 when none has appeared yet). */
async function reader(t: TestApp) {
  const res = await scrape(t);
  expect(res.status).toBe(200);
  const samples = parseExposition(res.text);
  return (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter(
        (s) =>
          s.name === name &&
          Object.entries(labels).every(([key, value]) => s.labels[key] === value),
      )
      .reduce((sum, s) => sum + s.value, 0);
}

describe('GET /metrics', () => {
  it('is off (404) when METRICS_TOKEN is not set', async () => {
    const t = await createTestApp();
    const res = await scrape(t);
    expect(res.status).toBe(404);
    expect(res.error?.code).toBe('not_found');
  });

  it('answers 401 to a missing or wrong bearer token, and the exposition to the right one', async () => {
    const t = await createTestApp({ env: { METRICS_TOKEN } });
    for (const res of [
      await t.call('GET', '/metrics'),
      await scrape(t, 'wrong'),
      await scrape(t, `${METRICS_TOKEN}x`),
      await t.call('GET', '/metrics', { headers: { authorization: METRICS_TOKEN } }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.error?.code).toBe('unauthenticated');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    const res = await scrape(t);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toContain('# TYPE onbehalf_http_requests_total counter');
    // Node's process metrics are the server's (server.ts); test apps leave them out.
    expect(res.text).not.toContain('process_cpu');
  });

  it('slows down an address that guesses the token, like any guessed secret', async () => {
    const t = await createTestApp({ env: { METRICS_TOKEN, TRUST_PROXY: '1' } });
    const guess = (address: string) =>
      t.call('GET', '/metrics', { token: 'guess', headers: { 'x-forwarded-for': address } });
    for (let i = 0; i <= rules.guessAddress.free; i++) {
      expect((await guess('203.0.113.9')).status).toBe(401);
    }
    expect((await guess('203.0.113.9')).status).toBe(429);
    // Sent at once from another address: never past the hard stop.
    const burst = await Promise.all(
      Array.from({ length: rules.guessAddress.block + 20 }, () => guess('203.0.113.10')),
    );
    const compared = burst.filter((res) => res.status === 401).length;
    expect(compared).toBeLessThanOrEqual(rules.guessAddress.block);
    expect(burst.filter((res) => res.status === 429).length).toBe(burst.length - compared);
    // The scraper, at its own address, is not slowed by them.
    const scraper = await t.call('GET', '/metrics', {
      token: METRICS_TOKEN,
      headers: { 'x-forwarded-for': '10.0.0.5' },
    });
    expect(scraper.status).toBe(200);
  });

  it('shows requests, latency, sign-ins, redemptions and audit appends moving', async () => {
    const t = await createTestApp({ rateLimits: false, env: { METRICS_TOKEN } });
    const ids = demoIds(t);
    const before = await reader(t);

    for (let i = 0; i < 3; i++) await t.client().call('health.live');
    await expect(
      t.client().auth.signIn({ email: 'owner@acme.test', password: 'not the password' }),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const issued = await admin.impersonation.teamHandoff(
      ids.profileId('buyer@acme.test'),
      'checking',
    );
    await expect(admin.impersonation.exchange(issued.token)).resolves.toBeDefined();
    expect(
      (await refusal(admin.impersonation.exchange(issued.token))).status,
    ).toBeGreaterThanOrEqual(400);

    const after = await reader(t);
    const moved = (name: string, labels?: Record<string, string>) =>
      after(name, labels) - before(name, labels);

    const health = { method: 'GET', route: '/api/health', status: '200' };
    expect(moved('onbehalf_http_requests_total', health)).toBe(3);
    expect(
      moved('onbehalf_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/health',
      }),
    ).toBe(3);
    // The route pattern labels a request, never its path (which holds the token).
    expect(
      moved('onbehalf_http_requests_total', {
        method: 'POST',
        route: '/api/public/auth/login/:token',
        status: '200',
      }),
    ).toBe(1);
    expect((await scrape(t)).text).not.toContain(issued.token);
    expect(moved('onbehalf_sign_ins_total', { outcome: 'success' })).toBe(1);
    expect(moved('onbehalf_sign_ins_total', { outcome: 'invalid_credentials' })).toBe(1);
    expect(moved('onbehalf_redemptions_total', { kind: 'handoff', outcome: 'success' })).toBe(1);
    const failedExchanges =
      moved('onbehalf_redemptions_total', { kind: 'handoff' }) -
      moved('onbehalf_redemptions_total', { kind: 'handoff', outcome: 'success' });
    expect(failedExchanges).toBe(1);
    // Sign-ins, the refused one too, the hand-off issued and the impersonation started.
    expect(moved('onbehalf_audit_appends_total')).toBeGreaterThanOrEqual(4);
  });

  it('counts rate-limit refusals by route', async () => {
    const t = await createTestApp({ rateLimits: true, env: { METRICS_TOKEN } });
    let refused = 0;
    for (let i = 0; i < 150 && refused === 0; i++) {
      const guess = t.client().auth.signIn({ email: 'owner@acme.test', password: `guess ${i}` });
      if ((await refusal(guess)).status === 429) refused++;
    }
    expect(refused).toBe(1);
    const read = await reader(t);
    expect(read('onbehalf_rate_limited_total', { route: '/api/public/auth/sign-in' })).toBe(1);
    expect(read('onbehalf_sign_ins_total', { outcome: 'rate_limited' })).toBe(1);
  });

  it('shows impersonations running: started, not ended, not expired', async () => {
    const t = await createTestApp({ rateLimits: false, env: { METRICS_TOKEN } });
    const ids = demoIds(t);
    const running = async () => (await reader(t))('onbehalf_impersonations_running');
    expect(await running()).toBe(0);
    // A reading of the whole database, unlike the counters: an operator summing it over
    // instances would multiply it, and the help text says so.
    const { text } = await scrape(t);
    expect(text).toMatch(/^# HELP onbehalf_impersonations_running .*the same on every process/m);
    expect(text).toMatch(/^# HELP onbehalf_audit_appends_total .*by this process/m);

    const start = async (actor: string, target: string) => {
      const actorClient = t.client((await t.signIn(actor)).token);
      const before = await running();
      const issued = await actorClient.impersonation.teamHandoff(ids.profileId(target), 'checking');
      expect(await running()).toBe(before); // issued is not started
      const started = await actorClient.impersonation.exchange(issued.token);
      return started.token;
    };
    const first = await start('admin@acme.test', 'buyer@acme.test');
    await start('owner@acme.test', 'member@acme.test');
    expect(await running()).toBe(2);

    await t.client(first).impersonation.leave();
    expect(await running()).toBe(1);

    // Past its end, an impersonation no longer runs, even before a request notices.
    t.clock.advance(61 * 60_000);
    expect(await running()).toBe(0);
  });

  it('keeps a registry per app: two apps in one process count apart', async () => {
    const one = await createTestApp({ env: { METRICS_TOKEN } });
    const two = await createTestApp({ env: { METRICS_TOKEN } });
    const health = { method: 'GET', route: '/api/health', status: '200' };
    const before = (await reader(two))('onbehalf_http_requests_total', health);
    await one.client().call('health.live');
    expect((await reader(one))('onbehalf_http_requests_total', health)).toBe(1);
    expect((await reader(two))('onbehalf_http_requests_total', health)).toBe(before);
  });
});
