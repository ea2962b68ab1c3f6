import type { AddressInfo } from 'node:net';
import { type RouteContract, type RouteName, routes } from '@onbehalf/contracts/routes';
import { TEST_CLOCK_HEADER, TEST_CLOCK_MAX_LENGTH } from '@onbehalf/contracts/test-mode';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../http/listener.ts';
import { createLogger } from '../lib/logger.ts';
import {
  badBySchema,
  callers,
  changes,
  type ErrorJson,
  errorLines,
  guardCodes,
  JSON_TYPE,
  jsonText,
  judged,
  oddInputs,
  type Probe,
  probesOf,
  rawExchange,
  requestOf,
  send,
  shorten,
  snapshot,
  starts,
  table,
} from '../test/bad-input-probes.ts';
import { createTestApp, demoIds, type TestApp } from '../test/harness.ts';

/**
 * SPEC §8 and §8b: bad input gets a clear 4xx with a stable error code and changes nothing;
 * never a 500, never a crash. This file holds every route of the table (SPEC §10) to that, as a
 * caller allowed to call it (so each request gets past authentication to validation and the
 * handler), on a fresh demo per route:
 *
 * - each route has a valid input to start from (`starts` below), and each probe spoils one
 *   thing of it: one field of the body, query or path (walked from the route's zod schemas: a
 *   wrong JSON type, missing, empty, far too long, a lone surrogate, a NUL, a negative,
 *   fractional or huge number, an unknown enum value, …), or the request as a whole (a body that
 *   is not JSON, a JSON array or scalar, the wrong content type, unknown or repeated query keys,
 *   another method);
 * - the route's own schema says whether the spoilt input is bad (`badBySchema`): the server
 *   validates with the same schemas, so a probe the schema refuses must be refused, before
 *   anything is done;
 * - some probes are well formed but name nothing or what may not be named (an id beyond 32 bits,
 *   a forged cursor, an id spelled with `..` or `%2F`, a token expiring in the year 0, someone
 *   else's profile, credentials that are none): they must not be a 500 either, and a refusal
 *   must change nothing but the record of a refused attempt (SPEC §8b audits those, and reads of
 *   the trail);
 * - the routes an integration's API key may call are probed as one too, and what only a socket
 *   carries (a body on a GET, broken chunks, a client that goes away mid-body) goes through the
 *   HTTP server `pnpm start` runs.
 *
 * "Changes nothing" is read from the database: every table's count after every probe, and after
 * a write every row of the tables a write may change in place (users, profiles, settings,
 * credentials, sessions, …). Whatever the app logs at warn or error level while a probe runs is
 * a failure too. A failure names the route, the probe and what happened, and is collected, so
 * one run lists every broken promise: `expect(failures).toEqual([])`.
 *
 * Deterministic: no randomness, no clock but the harness's. Rate limits are off, so that a
 * probe meets the validator rather than a limiter. Not covered here: HEAD (odd-input.test.ts),
 * browser navigations (`Sec-Fetch-Dest: document` gets an HTML error page, not the envelope) and
 * cookie requests from another site (CSRF, ADR 006).
 */

/** The app a route is probed on: a fresh demo in test mode, logging its errors to `raw`. */
async function probedApp() {
  const raw: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void raw.push(line) });
  const t = await createTestApp({ rateLimits: false, logger, env: { ONBEHALF_TEST_MODE: '1' } });
  return { t, raw };
}

/** The routes an integration's API key may call (`requirePermissionOrApiKey`), with its scope. */
const apiKeyRoutes: Partial<Record<RouteName, string>> = {
  'sys.users': 'users:read',
  'sys.provisionUser': 'users:provision',
  'sys.oneClickLink': 'one-click-links:create',
  'loginTokens.list': 'login-tokens:manage',
  'loginTokens.create': 'login-tokens:manage',
  'loginTokens.subjects': 'login-tokens:manage',
  'loginTokens.details': 'login-tokens:manage',
  'loginTokens.remove': 'login-tokens:manage',
};

/** An API key of Acme's with every scope, made by the demo's superadmin: its secret. */
async function apiKeyOf(t: TestApp): Promise<string> {
  const root = t.client((await t.signIn('root@onbehalf.test')).token);
  const { secret } = await root.call('apiKeys.create', {
    body: {
      name: 'Fuzzed integration',
      scopes: ['users:read', 'users:provision', 'one-click-links:create', 'login-tokens:manage'],
      organizationIds: [demoIds(t).organizationId('Acme Corp')],
    },
  });
  return secret;
}

/**
 * Runs every probe of one route on its own fresh demo, as a person allowed to call it or as an
 * integration's API key; the broken promises, one line each.
 */
async function fuzzRoute(
  name: RouteName,
  as: 'person' | 'apiKey' = 'person',
): Promise<{ failures: string[]; probes: number }> {
  const route = routes[name] as RouteContract;
  const { t, raw } = await probedApp();
  const start = starts(t)[name] ?? {};
  const caller = callers[name];
  const signIn = async () =>
    as === 'apiKey' ? apiKeyOf(t) : caller ? (await t.signIn(caller)).token : null;
  let token = await signIn();
  if (name.startsWith('test.')) {
    // Its first request makes the test's clock; not a change a probe made.
    await t.call('GET', '/api/test/clock', { headers: { [TEST_CLOCK_HEADER]: 'bad-input' } });
  }
  const all = probesOf(name, route, start, oddInputs(t)[name] ?? [], token !== null);
  // An input the schema refuses is refused by the validator before the caller matters: the
  // person's run sends those. An API key is sent what reaches the handler.
  const probes = as === 'apiKey' ? all.filter((p) => p.expect !== 'refused') : all;
  const failures: string[] = [];
  // A read never changes a row in place: its counts say what it did. A write's rows are compared.
  const rows = route.method !== 'get';
  let before = await snapshot(t, rows);
  for (const probe of probes) {
    const logged = raw.length;
    const answer = await send(t, probe, token, name);
    const after = await snapshot(t, rows);
    const problems = [
      ...(await judged(t, probe, answer, before, after)),
      ...errorLines(raw.slice(logged)),
    ];
    // Input the schema refuses is refused by the validator, after the route's guards: refused
    // by a guard, it never reached the validator, and the probe proved nothing.
    const code = 'json' in answer ? (answer.json as ErrorJson)?.error?.code : undefined;
    if (probe.expect === 'refused' && code && guardCodes.has(code)) {
      problems.push(`stopped by a guard (${code}) before validation: probed as the wrong caller`);
    }
    if (problems.length > 0) {
      const url = shorten(`${probe.path}${probe.query ? `?${probe.query}` : ''}`);
      failures.push(`${name}: ${probe.method} ${url} [${probe.what}] → ${problems.join('; ')}`);
    }
    // A probe carried out (or one that ended the caller's session) starts the next afresh.
    before = after;
    if (token && !('threw' in answer) && answer.status < 400) {
      const alive = await t.call('GET', '/api/public/auth/session', { token });
      if (alive.status === 401) {
        token = await signIn();
        before = await snapshot(t, rows);
      }
    }
  }
  return { failures, probes: probes.length };
}

/**
 * A route's probes take a second or two; run side by side on a busy 2-core machine, many times
 * that. A hang is still caught.
 */
const ROUTE_TIMEOUT_MS = 120_000;

// ---- the tests --------------------------------------------------------------------------------------

describe('bad input gets a clear 4xx with a stable code and changes nothing (SPEC §8, §8b)', () => {
  it('every route of the table is probed, from a valid input its own schemas take', async () => {
    const t = await createTestApp({ rateLimits: false, env: { ONBEHALF_TEST_MODE: '1' } });
    const given = starts(t);
    const problems: string[] = [];
    for (const [name, route] of table) {
      const start = given[name];
      const needs = Boolean(
        route.params || route.body || route.query?.safeParse({}).success === false,
      );
      if (needs && !start) problems.push(`${name}: no valid input to start from`);
      if (!start) continue;
      if (route.params && badBySchema(route.params, start.params ?? {})) {
        problems.push(`${name}: its starting params are not valid`);
      }
      if (route.query && badBySchema(route.query, start.query ?? {})) {
        problems.push(`${name}: its starting query is not valid`);
      }
      if (route.body && badBySchema(route.body, start.body)) {
        problems.push(`${name}: its starting body is not valid`);
      }
      if (start.body !== undefined && !route.body) problems.push(`${name}: takes no body`);
    }
    expect(problems).toEqual([]);
  });

  // Each route on a demo of its own: they run side by side (on PostgreSQL, most of a probe's
  // time is waiting for the database).
  for (const [name] of table) {
    it.concurrent(
      `${name}: every probe is refused with a 4xx and the catalogue's code, and changes nothing`,
      async ({ expect }) => {
        const { failures, probes } = await fuzzRoute(name);
        expect(probes).toBeGreaterThan(0);
        expect(failures).toEqual([]);
      },
      ROUTE_TIMEOUT_MS,
    );
  }
  for (const name of Object.keys(apiKeyRoutes) as RouteName[]) {
    it.concurrent(
      `${name}, as an integration's API key: every probe is refused with a 4xx and the catalogue's code, and changes nothing`,
      async ({ expect }) => {
        const { failures, probes } = await fuzzRoute(name, 'apiKey');
        expect(probes).toBeGreaterThan(0);
        expect(failures).toEqual([]);
      },
      ROUTE_TIMEOUT_MS,
    );
  }

  it('the test clock header past its length is refused, and moves no clock', async () => {
    const t = await createTestApp({ rateLimits: false, env: { ONBEHALF_TEST_MODE: '1' } });
    const before = await snapshot(t, true);
    const res = await t.call('POST', '/api/test/clock', {
      headers: { [TEST_CLOCK_HEADER]: 'x'.repeat(TEST_CLOCK_MAX_LENGTH + 1) },
      body: { advanceMs: 1000 },
    });
    expect([res.status, res.error?.code]).toEqual([400, 'validation_failed']);
    expect(await changes(t, before, await snapshot(t, true), false)).toEqual([]);
  });
});

// ---- through a socket -------------------------------------------------------------------------

/**
 * What only a socket carries: a body on a GET (the in-process `Request` refuses to build one),
 * and the framing a client gets wrong (chunks, lengths, bytes that are not UTF-8), through the
 * HTTP server `pnpm start` runs (http/listener.ts) and the path production reads bodies on
 * (middleware/read-body.ts).
 */
describe('through a socket, bad framing and bodies where none belong get a clear 4xx and change nothing', () => {
  const requestBytes = (
    method: string,
    target: string,
    headers: Record<string, string>,
    body?: Buffer | string,
  ) =>
    Buffer.concat([
      Buffer.from(
        `${method} ${target} HTTP/1.1\r\nhost: portal.test\r\nconnection: close\r\n${Object.entries(
          headers,
        )
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n`,
        'latin1',
      ),
      typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0)),
    ]);

  it(
    'every route, through the server pnpm start runs',
    async ({ expect }) => {
      const { t, raw } = await probedApp();
      const server = createHttpServer(t.app.fetch);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const given = starts(t);
      const tokens = new Map<string, string>();
      for (const caller of new Set(Object.values(callers))) {
        if (caller) tokens.set(caller, (await t.signIn(caller)).token);
      }
      const failures: string[] = [];
      let probes = 0;
      let before = await snapshot(t, true);
      try {
        for (const [name, route] of table) {
          const caller = callers[name];
          const auth: Record<string, string> = caller
            ? { authorization: `Bearer ${tokens.get(caller)}` }
            : {};
          const { method, path, query } = requestOf(route, given[name] ?? {});
          const target = `${path}${query ? `?${query}` : ''}`;
          const start = given[name]?.body;
          const json = start === undefined ? '{}' : jsonText(start);
          const sent: [string, Buffer, Pick<Probe, 'expect' | 'codes'>][] =
            method === 'GET'
              ? [
                  [
                    'a JSON body on a GET',
                    requestBytes(
                      method,
                      target,
                      { ...auth, ...JSON_TYPE, 'content-length': '20' },
                      '{"unknownField":1}  ',
                    ),
                    { expect: 'answered' },
                  ],
                  [
                    'a text body on a GET',
                    requestBytes(
                      method,
                      target,
                      { ...auth, 'content-type': 'text/plain', 'content-length': '5' },
                      'hello',
                    ),
                    // Outside /api/ (the JWKS), bodies are not read at all.
                    path.startsWith('/api/')
                      ? { expect: 'refused', codes: ['unsupported_media_type'] }
                      : { expect: 'answered' },
                  ],
                ]
              : route.body
                ? [
                    [
                      'a chunked body that is not JSON',
                      requestBytes(
                        method,
                        target,
                        { ...auth, ...JSON_TYPE, 'transfer-encoding': 'chunked' },
                        '4\r\nnot \r\n4\r\njson\r\n0\r\n\r\n',
                      ),
                      { expect: 'refused', codes: ['malformed_json'] },
                    ],
                    [
                      'both a length and chunks',
                      requestBytes(
                        method,
                        target,
                        {
                          ...auth,
                          ...JSON_TYPE,
                          'content-length': String(json.length),
                          'transfer-encoding': 'chunked',
                        },
                        `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`,
                      ),
                      { expect: 'refused' },
                    ],
                    [
                      'a chunk size that is no number',
                      requestBytes(
                        method,
                        target,
                        { ...auth, ...JSON_TYPE, 'transfer-encoding': 'chunked' },
                        `zz\r\n${json}\r\n0\r\n\r\n`,
                      ),
                      { expect: 'refused' },
                    ],
                    [
                      'a body cut short by a client that goes away',
                      requestBytes(
                        method,
                        target,
                        { ...auth, ...JSON_TYPE, 'content-length': '100' },
                        '{"a":',
                      ),
                      // Nobody is left to answer: only what the server logs and keeps is judged.
                      { expect: 'answered' },
                    ],
                    [
                      'bytes that are not UTF-8',
                      requestBytes(
                        method,
                        target,
                        { ...auth, ...JSON_TYPE, 'content-length': '4' },
                        Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
                      ),
                      { expect: 'refused', codes: ['malformed_json'] },
                    ],
                    [
                      'a header holding a control character',
                      requestBytes(
                        method,
                        target,
                        {
                          ...auth,
                          ...JSON_TYPE,
                          'content-length': String(json.length),
                          'x-note': 'a\u0001b',
                        },
                        json,
                      ),
                      { expect: 'refused' },
                    ],
                  ]
                : [
                    [
                      'a text body where none is taken',
                      requestBytes(
                        method,
                        target,
                        { ...auth, 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
                        '5\r\nhello\r\n0\r\n\r\n',
                      ),
                      { expect: 'refused', codes: ['unsupported_media_type'] },
                    ],
                  ];
          for (const [what, request, probe] of sent) {
            probes += 1;
            const logged = raw.length;
            const answer = await rawExchange(port, request, what.includes('goes away'));
            // The app may still be at a request the server refused on the wire: one more exchange
            // lets it finish, and log, before its lines are read.
            await rawExchange(port, requestBytes('GET', '/api/health', {}));
            const after = await snapshot(t, true);
            const problems = [
              ...(await judged(t, probe, answer, before, after)),
              ...errorLines(raw.slice(logged)),
            ];
            if (problems.length > 0) {
              failures.push(
                `${name}: ${method} ${shorten(target)} [${what}] → ${problems.join('; ')}`,
              );
            }
            before = after;
          }
        }
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
      expect(probes).toBeGreaterThan(table.length);
      expect(failures).toEqual([]);
    },
    ROUTE_TIMEOUT_MS,
  );
});
