import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ErrorCode, errorCatalogue } from '@onbehalf/contracts/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf } from './test/harness.ts';
import { type ServerProcess, spawnServer, waitUntilReady } from './test/server-processes.ts';

/**
 * The HTTP edge of the server as `pnpm start` runs it (the bundle, a process of its own), probed
 * the way an attacker with a raw socket can: request lines and targets, Host and ALLOWED_HOSTS,
 * framing and pipelining, odd headers (SPEC §8, §8b). Every probe must get a 4xx from the
 * catalogue (or a close, where Node refuses before the app and ADR 027 says so), never a 5xx,
 * and leave the process answering. Its stdout (LOG_LEVEL=debug) is read at the end: one request
 * line per request that reached the app, and no secret the requests carried, on any line.
 *
 * What `app.test.ts` and `features/bad-input.test.ts` already send through a socket (an unknown
 * method, a bad chunk size, 20 kB of headers, a trickle, a Host no URL can be made of, per-route
 * bodies) is not repeated here.
 */

const TEST_KEY = 'edge-test-mode-key-5b1d0c7e9a';
const DEMO_PASSWORD = 'edge-demo-password-7f3c2a';
const METRICS_TOKEN = 'edge-metrics-token-0e4d8b1c';
const ALLOWED = 'portal.example.com,xn--bcher-kva.example';
const KEY_HEADER = 'x-onbehalf-test-key';
/** Sent as a client's X-Request-Id, which is logged: the scan for secrets must find it. */
const CANARY = 'edge-canary-client-request-id-31415';

let server: ServerProcess;
/** A second server, behind one trusted proxy: X-Forwarded-Host is still not believed there. */
let proxied: ServerProcess;
let port: number;
let portalDir: string;
/** Everything the server wrote on stdout, whole (ServerProcess.output keeps only its tail). */
let stdout = '';
const stdoutWaiters = new Set<() => void>();

/** The status each X-Request-Id the server sent back came with: each needs one log line. */
const answered = new Map<string, number>();
/** Every secret a request carried or an answer gave: none may reach the log. */
const secrets = new Set<string>([TEST_KEY, DEMO_PASSWORD, METRICS_TOKEN]);
/** Request ids whose log line must name who acted. */
const whoActed = {
  user: [] as string[],
  impersonated: [] as string[],
  apiKey: [] as string[],
};

// ---- raw HTTP/1.1 over a socket ---------------------------------------------------------------

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The first whole answer in `text` (latin1), and what follows it; null while incomplete. */
function takeAnswer(
  text: string,
  method: string | undefined,
  closed: boolean,
  /** Whether the answer is the main server's, whose log is read at the end. */
  ours = true,
): { answer: Answer; rest: string } | null {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return null;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let rest = text.slice(end + 4);
  let body = '';
  const bodiless = status < 200 || status === 204 || status === 304 || method === 'HEAD';
  if (bodiless) {
    // No body.
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    for (;;) {
      const line = rest.indexOf('\r\n');
      if (line === -1) return null;
      const size = Number.parseInt(rest.slice(0, line), 16);
      if (rest.length < line + 2 + size + 2) return null;
      body += rest.slice(line + 2, line + 2 + size);
      rest = rest.slice(line + 2 + size + 2);
      if (size === 0) break;
    }
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (rest.length < length) return null;
    body = rest.slice(0, length);
    rest = rest.slice(length);
  } else {
    if (!closed) return null;
    body = rest;
    rest = '';
  }
  const answer = { status, headers, body: Buffer.from(body, 'latin1').toString('utf8') };
  const id = headers['x-request-id'];
  if (id && ours) answered.set(id, status);
  return { answer, rest };
}

/** Every whole answer in what a connection received, in order. */
function answersIn(text: string, methods: string[], ours: boolean): Answer[] {
  const answers: Answer[] = [];
  let rest = text;
  let finals = 0;
  for (;;) {
    const taken = takeAnswer(rest, methods[finals], true, ours);
    if (!taken) return answers;
    answers.push(taken.answer);
    if (taken.answer.status >= 200) finals += 1;
    rest = taken.rest;
  }
}

interface Exchange {
  /** Final answers (1xx left out), in order. */
  answers: Answer[];
  raw: string;
  /** The server closed the connection (rather than the guard timing out). */
  closed: boolean;
}

/**
 * Writes `bytes` on a new connection and reads until the server closes it. The probes end with
 * `Connection: close` or something the server refuses, so a close always comes; the guard only
 * bounds a server that would hang, and says so.
 */
function exchange(
  bytes: string | Buffer,
  {
    methods = [],
    to = port,
    guardMs = 8_000,
  }: { methods?: string[]; to?: number; guardMs?: number } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect(to, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const done = () => {
      clearTimeout(guard);
      const raw = Buffer.concat(chunks).toString('latin1');
      const answers = answersIn(raw, methods, to === port).filter((a) => a.status >= 200);
      resolve({ answers, raw, closed });
    };
    const guard = setTimeout(() => {
      socket.destroy();
    }, guardMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('end', () => {
      closed = true;
    });
    socket.on('close', (hadError) => {
      closed ||= hadError;
      done();
    });
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

/** One keep-alive connection, asked one request at a time. */
async function conversation(to = port) {
  const socket = connect(to, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  let closed = false;
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
    wake?.();
  });
  socket.on('error', () => {});
  const ended = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      wake?.();
      resolve();
    }),
  );
  /** The next answer (1xx included), or null if the connection closed first. */
  async function next(method?: string): Promise<Answer | null> {
    for (;;) {
      const taken = takeAnswer(received, method, closed);
      if (taken) {
        received = taken.rest;
        return taken.answer;
      }
      if (closed) return null;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  }
  return {
    write: (bytes: string) => socket.write(Buffer.from(bytes, 'latin1')),
    next,
    ended,
    isClosed: () => closed,
    destroy: () => socket.destroy(),
  };
}

const host = () => `127.0.0.1:${port}`;

/** A request as bytes: `head` lines after the request line, then the body. */
function request(
  line: string,
  head: string[] = [],
  body = '',
  { hostHeader = host(), close = true }: { hostHeader?: string | null; close?: boolean } = {},
): string {
  const lines = [
    line,
    ...(hostHeader === null ? [] : [`Host: ${hostHeader}`]),
    ...head,
    ...(close ? ['Connection: close'] : []),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

const jsonHead = (body: string) => [
  'Content-Type: application/json',
  `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
];

// ---- judging ----------------------------------------------------------------------------------

type Expected = { status: number | number[]; code?: ErrorCode } | 'closed';

interface Probe {
  what: string;
  bytes: string | Buffer;
  expect: Expected;
  methods?: string[];
}

/** What is wrong with an answer to a probe, as lines (none when it is right). */
function judge(what: string, got: Exchange, expected: Expected): string[] {
  const problems: string[] = [];
  const first = got.answers[0];
  if (!got.closed && !first) problems.push('no answer and no close (hung)');
  if (expected === 'closed') {
    if (first) problems.push(`expected a close, got ${first.status}`);
    return problems.map((p) => `${what}: ${p}`);
  }
  if (!first) return [`${what}: closed without an answer (raw ${JSON.stringify(got.raw)})`];
  const statuses = [expected.status].flat();
  if (!statuses.includes(first.status)) {
    problems.push(
      `status ${first.status}, expected ${statuses.join('|')}: ${first.body.slice(0, 120)}`,
    );
  }
  if (first.status >= 500) problems.push(`a 5xx: ${first.body}`);
  if (first.status >= 400) {
    let code: string | undefined;
    try {
      code = (JSON.parse(first.body) as { error?: { code?: string } }).error?.code;
    } catch {
      problems.push(`a ${first.status} without the error envelope: ${JSON.stringify(first.body)}`);
    }
    if (code !== undefined) {
      const entry = errorCatalogue[code as ErrorCode];
      if (!entry) problems.push(`code ${code} is not in the catalogue`);
      else if (entry.status !== first.status) {
        problems.push(`code ${code} with ${first.status}, the catalogue says ${entry.status}`);
      }
      if (expected.code && code !== expected.code) {
        problems.push(`code ${code}, expected ${expected.code}`);
      }
    }
  }
  return problems.map((p) => `${what}: ${p}`);
}

/** The process is up and answers its health check. */
async function stillUp(): Promise<string[]> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    return [`the server exited (${server.child.exitCode ?? server.child.signalCode})`];
  }
  const health = await exchange(request('GET /api/health HTTP/1.1'));
  return health.answers[0]?.status === 200 ? [] : [`health: ${health.raw.slice(0, 80)}`];
}

async function runProbes(probes: Probe[]): Promise<string[]> {
  const failures: string[] = [];
  for (const probe of probes) {
    const got = await exchange(probe.bytes, { methods: probe.methods ?? [] });
    failures.push(...judge(probe.what, got, probe.expect));
    failures.push(...(await stillUp()).map((p) => `after ${probe.what}: ${p}`));
  }
  return failures;
}

// ---- the API, through fetch, for the sessions the probes and the log need ------------------------

interface Called {
  status: number;
  json: Record<string, unknown> & { error?: { code: string } };
  headers: Headers;
  text: string;
  id: string;
}

async function api(
  method: string,
  target: string,
  {
    token,
    cookie,
    body,
    headers = {},
  }: { token?: string; cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Called> {
  const sent: Record<string, string> = { ...headers };
  if (token) sent.authorization = `Bearer ${token}`;
  if (cookie) sent.cookie = cookie;
  if (body !== undefined) sent['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${target}`, {
    method,
    headers: sent,
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  // A page or the metrics are not JSON: an empty object then.
  const json = (jsonOf(text) ?? {}) as Called['json'];
  const id = res.headers.get('x-request-id') ?? '';
  if (id) answered.set(id, res.status);
  return { status: res.status, json, headers: res.headers, text, id };
}

interface Persona {
  userId: number;
  profileId: number;
  email: string;
  password: string;
}
interface TestOrg {
  id: number;
  owner: Persona;
  admin: Persona;
  members: [Persona, Persona];
}

let org: TestOrg;

async function signIn(persona: { email: string; password: string }): Promise<string> {
  const res = await api('POST', '/api/public/auth/sign-in', {
    body: { email: persona.email, password: persona.password },
  });
  expect(res.status).toBe(200);
  const token = res.json.token as string;
  secrets.add(token);
  return token;
}

// ---- the servers --------------------------------------------------------------------------------

beforeAll(async () => {
  portalDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-edge-portal-'));
  writeFileSync(path.join(portalDir, 'index.html'), '<!doctype html><title>portal</title>');
  writeFileSync(path.join(portalDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  mkdirSync(path.join(portalDir, 'assets'));
  writeFileSync(path.join(portalDir, 'assets', 'app-1.js'), 'console.log(1);\n');
  [server, proxied] = await Promise.all([
    spawnServer({
      LOG_LEVEL: 'debug',
      ALLOWED_HOSTS: ALLOWED,
      METRICS_TOKEN,
      ONBEHALF_TEST_MODE_KEY: TEST_KEY,
      ONBEHALF_DEMO_PASSWORD: DEMO_PASSWORD,
      PORTAL_DIST: portalDir,
    }),
    spawnServer({ ALLOWED_HOSTS: ALLOWED, TRUST_PROXY: '1', PORTAL_DIST: portalDir }),
  ]);
  server.child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const waiter of stdoutWaiters) waiter();
  });
  await Promise.all([waitUntilReady(server), waitUntilReady(proxied)]);
  port = Number(new URL(server.url).port);
  const made = await api('POST', '/api/test/organizations', {
    headers: { [KEY_HEADER]: TEST_KEY },
    body: { integrations: true },
  });
  expect(made.status).toBe(201);
  org = made.json as unknown as TestOrg;
  for (const persona of [org.owner, org.admin, ...org.members]) secrets.add(persona.password);
}, 60_000);

afterAll(async () => {
  await Promise.all([server?.stop(), proxied?.stop()]);
  if (portalDir) rmSync(portalDir, { recursive: true, force: true });
});

// ---- the probes ---------------------------------------------------------------------------------

describe('the server process at its HTTP edge, through raw sockets', { timeout: 60_000 }, () => {
  it('request lines and targets: absolute, authority and asterisk forms, odd methods and versions, odd paths', async () => {
    const health = 'GET /api/health HTTP/1.1';
    const long = (n: number) => `GET /${'a'.repeat(n)} HTTP/1.1`;
    const probes: Probe[] = [
      {
        what: 'absolute-form naming a foreign host, with our Host',
        bytes: request('GET http://evil.example/api/health HTTP/1.1'),
        expect: { status: 421, code: 'misdirected_request' },
      },
      {
        what: 'absolute-form naming a foreign host, with the same Host',
        bytes: request('GET http://evil.example/api/health HTTP/1.1', [], '', {
          hostHeader: 'evil.example',
        }),
        expect: { status: 421, code: 'misdirected_request' },
      },
      {
        // RFC 9112 §3.2.2: the target's authority wins and Host is ignored.
        what: 'absolute-form naming us, with a foreign Host',
        bytes: request(`GET http://${host()}/api/health HTTP/1.1`, [], '', {
          hostHeader: 'evil.example',
        }),
        expect: { status: 200 },
      },
      {
        what: 'absolute-form with another scheme',
        bytes: request('GET ftp://evil.example/api/health HTTP/1.1'),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'authority-form on a GET',
        bytes: request(`GET ${host()} HTTP/1.1`),
        expect: { status: 400, code: 'validation_failed' },
      },
      // Node closes a CONNECT it has no 'connect' listener for, answering nothing.
      { what: 'CONNECT to us', bytes: request(`CONNECT ${host()} HTTP/1.1`), expect: 'closed' },
      {
        what: 'CONNECT elsewhere',
        bytes: request('CONNECT evil.example:443 HTTP/1.1', [], '', {
          hostHeader: 'evil.example:443',
        }),
        expect: 'closed',
      },
      {
        what: 'asterisk-form OPTIONS',
        bytes: request('OPTIONS * HTTP/1.1'),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'OPTIONS on the API (no CORS preflight is granted)',
        bytes: request('OPTIONS /api/public/auth/sign-in HTTP/1.1', [
          'Origin: http://evil.example',
          'Access-Control-Request-Method: POST',
        ]),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'TRACE on the API',
        bytes: request('TRACE /api/health HTTP/1.1'),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'TRACE on a page',
        bytes: request('TRACE /login HTTP/1.1'),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'PROPFIND',
        bytes: request('PROPFIND /api/health HTTP/1.1', ['Depth: 1']),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'a lower-case method',
        bytes: request('get /api/health HTTP/1.1'),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'HTTP/1.0 without Host',
        bytes: request('GET /api/health HTTP/1.0', [], '', { hostHeader: null, close: false }),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'HTTP/1.0 with Host',
        bytes: request('GET /api/health HTTP/1.0', [], '', { close: false }),
        expect: { status: 200 },
      },
      {
        what: 'HTTP/0.9',
        bytes: 'GET /api/health\r\n\r\n',
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'HTTP/1.2',
        bytes: request('GET /api/health HTTP/1.2'),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'the HTTP/2 preface on the HTTP/1 port',
        bytes: Buffer.concat([
          Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
          // An empty SETTINGS frame, as a client sends next.
          Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
        ]),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'a request line with leading white space',
        bytes: ` ${request(health)}`,
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'a request line ended by a bare LF',
        bytes: request(health).replace('\r\n', '\n'),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'dot segments',
        bytes: request('GET /api/../api/health HTTP/1.1'),
        expect: { status: 200 },
      },
      {
        what: 'encoded dot segments',
        bytes: request('GET /api/%2e%2e/api/public/auth/session HTTP/1.1'),
        expect: { status: 401, code: 'unauthenticated' },
      },
      {
        what: 'dot segments out of the assets',
        bytes: request('GET /assets/..%2f..%2fpackage.json HTTP/1.1'),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'dot segments above the root',
        bytes: request('GET /../../../etc/passwd HTTP/1.1'),
        expect: { status: 200 },
      },
      // `//api/…` is not the API: the portal's page, with the API's guards nowhere needed.
      {
        what: 'a double slash',
        bytes: request('GET //api/health HTTP/1.1'),
        expect: { status: 200 },
      },
      {
        what: 'an encoded NUL in the API',
        bytes: request('GET /api/health%00 HTTP/1.1'),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'an encoded NUL in an asset',
        bytes: request('GET /assets/app-1.js%00.png HTTP/1.1'),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'an encoded NUL in a hand-off token',
        bytes: request('POST /api/public/auth/login/%00 HTTP/1.1', ['Content-Length: 0']),
        expect: { status: [400, 401] },
      },
      {
        what: '%ff in the API',
        bytes: request('GET /api/health%ff HTTP/1.1'),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: '%ff in an id',
        bytes: request('GET /api/public/coworkers/%ff/impersonate HTTP/1.1'),
        expect: { status: 401, code: 'unauthenticated' },
      },
      {
        what: 'a broken escape in a hand-off token',
        bytes: request('POST /api/public/auth/login/%E0%A4%A HTTP/1.1', ['Content-Length: 0']),
        expect: { status: [400, 401] },
      },
      {
        what: 'a backslash',
        bytes: request('GET /api\\health HTTP/1.1'),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'a fragment',
        bytes: request('GET /api/health#x HTTP/1.1'),
        expect: { status: 404, code: 'not_found' },
      },
      {
        what: 'a raw byte above 0x7f in the path',
        bytes: request('GET /api/h\u00e9alth HTTP/1.1'),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'a path just under the header limit',
        bytes: request(long(16_000)),
        expect: { status: 200 },
      },
      {
        what: 'a path over the header limit',
        bytes: request(long(16_400)),
        expect: { status: 431, code: 'headers_too_large' },
      },
      {
        what: 'a query just under the header limit',
        bytes: request(`GET /api/public/team/members?query=${'q'.repeat(16_000)} HTTP/1.1`),
        expect: { status: 401, code: 'unauthenticated' },
      },
      {
        what: 'a query over the header limit',
        bytes: request(`GET /api/health?q=${'q'.repeat(16_400)} HTTP/1.1`),
        expect: { status: 431, code: 'headers_too_large' },
      },
      {
        what: '1,500 query keys',
        bytes: request(
          `GET /api/test/mailbox?to=a@b.test&${Array.from({ length: 1500 }, (_, i) => `k${i}=v`).join('&')} HTTP/1.1`,
          [`${KEY_HEADER}: ${TEST_KEY}`],
        ),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: '7,000 bare query keys',
        bytes: request(`GET /api/test/mailbox?${'a&'.repeat(7000)}to=a@b.test HTTP/1.1`, [
          `${KEY_HEADER}: ${TEST_KEY}`,
        ]),
        expect: { status: 400, code: 'validation_failed' },
      },
      {
        what: 'one query key twice',
        bytes: request('GET /api/test/mailbox?to=a@b.test&limit=1&limit=2 HTTP/1.1', [
          `${KEY_HEADER}: ${TEST_KEY}`,
        ]),
        expect: { status: 400, code: 'validation_failed' },
      },
    ];
    expect(await runProbes(probes)).toEqual([]);
  });

  it('a TRACE is never echoed back: the cookie and token it carries stay out of the answer', async () => {
    const got = await exchange(
      request('TRACE /api/health HTTP/1.1', [
        'Cookie: ob_session=trace-cookie-secret-1234567',
        'Authorization: Bearer trace-bearer-secret-1234567',
      ]),
    );
    secrets.add('trace-cookie-secret-1234567');
    secrets.add('trace-bearer-secret-1234567');
    expect(got.answers[0]?.status).toBeGreaterThanOrEqual(400);
    expect(got.answers[0]?.status).toBeLessThan(500);
    expect(got.raw).not.toContain('secret-1234567');
  });

  it('Host: foreign names get 421 on the API, the pages, /metrics and the JWKS; ours and IP literals pass', async () => {
    const surfaces: [string, string[], string][] = [
      ['GET /api/health', [], ''],
      ['GET /api/public/auth/session', ['Authorization: Bearer x'], ''],
      ['POST /api/public/auth/sign-in', jsonHead('{"email":1}'), '{"email":1}'],
      ['GET /', [], ''],
      ['GET /login?token=1.abc', [], ''],
      ['GET /one-click/1/abc', [], ''],
      ['GET /assets/app-1.js', [], ''],
      ['GET /favicon.svg', [], ''],
      ['GET /metrics', [`Authorization: Bearer ${METRICS_TOKEN}`], ''],
      ['GET /.well-known/jwks.json', [], ''],
      ['GET /api/openapi.json', [], ''],
      ['GET /api/test/mailbox?to=a@b.test', [`${KEY_HEADER}: ${TEST_KEY}`], ''],
    ];
    const foreign = [
      'evil.example',
      'portal.example.com.evil.example',
      'evilportal.example.com',
      'portal.example.co',
      'example.com',
      'localhost',
      '127.0.0.1.nip.io',
      'xn--bcher-kva.example.evil.example',
      'evil.example:443',
    ];
    const probes: Probe[] = [];
    for (const name of foreign) {
      for (const [line, head, body] of surfaces) {
        probes.push({
          what: `${line} for ${name}`,
          bytes: request(`${line} HTTP/1.1`, head, body, { hostHeader: name }),
          expect: { status: 421, code: 'misdirected_request' },
        });
      }
    }
    const ours = [
      'portal.example.com',
      'PORTAL.Example.COM',
      'portal.example.com.',
      'portal.example.com:443',
      'portal.example.com:8080',
      'xn--bcher-kva.example',
      'XN--BCHER-KVA.EXAMPLE',
      '127.0.0.1',
      host(),
      '[::1]',
      `[::1]:${port}`,
      '10.1.2.3',
    ];
    for (const name of ours) {
      probes.push({
        what: `GET /api/health for ${name}`,
        bytes: request('GET /api/health HTTP/1.1', [], '', { hostHeader: name }),
        expect: { status: 200 },
      });
      probes.push({
        what: `GET /.well-known/jwks.json for ${name}`,
        bytes: request('GET /.well-known/jwks.json HTTP/1.1', [], '', { hostHeader: name }),
        expect: { status: 200 },
      });
    }
    const unreadable = [
      'user:pw@portal.example.com',
      'evil.example@portal.example.com',
      'portal.example.com@evil.example',
      'portal.example.com:99999',
      'portal.example.com:',
      'portal.example.com/evil',
      'portal.example.com?x',
      'portal.example.com#x',
      'portal.example.com\\evil.example',
      // The UTF-8 bytes of bücher.example: a Host is ASCII; its punycode is allowed above.
      Buffer.from('bücher.example').toString('latin1'),
      '[::ffff:127.0.0.1]',
      '[fe80::1%25eth0]',
      '127.1',
      '2130706433',
      '0x7f.0.0.1',
      '',
    ];
    for (const name of unreadable) {
      probes.push({
        what: `GET /api/health for ${JSON.stringify(name)}`,
        bytes: request('GET /api/health HTTP/1.1', [], '', { hostHeader: name }),
        expect: { status: 400, code: 'validation_failed' },
      });
    }
    expect(await runProbes(probes)).toEqual([]);
  });

  it('X-Forwarded-Host and Forwarded are never believed, with or without a trusted proxy', async () => {
    const failures: string[] = [];
    for (const [to, label] of [
      [port, 'TRUST_PROXY=0'],
      [Number(new URL(proxied.url).port), 'TRUST_PROXY=1'],
    ] as const) {
      const cases: [string, string[], number][] = [
        ['evil.example', ['X-Forwarded-Host: portal.example.com'], 421],
        ['evil.example', ['Forwarded: host=portal.example.com'], 421],
        [
          'evil.example',
          ['X-Forwarded-Host: portal.example.com', 'X-Forwarded-For: 10.0.0.1'],
          421,
        ],
        ['portal.example.com', ['X-Forwarded-Host: evil.example'], 200],
        ['portal.example.com', ['Forwarded: host=evil.example;proto=https'], 200],
      ];
      for (const [name, head, status] of cases) {
        const got = await exchange(
          request('GET /.well-known/jwks.json HTTP/1.1', head, '', { hostHeader: name }),
          { to },
        );
        failures.push(...judge(`${label}: Host ${name} + ${head.join(', ')}`, got, { status }));
      }
    }
    expect(failures).toEqual([]);
  });

  it('a request with two Host headers is refused, whichever comes first (RFC 9112 §3.2)', async () => {
    // Node keeps the first Host of several in `headers` (the rest only in `rawHeaders`), and the
    // adapter builds the URL from it: a proxy or cache in front may have read the second. Found
    // answered for the first (a review); http/listener.ts now counts them.
    const probes: Probe[] = [
      ['portal.example.com', 'evil.example'],
      ['127.0.0.1', 'evil.example'],
      ['evil.example', 'portal.example.com'],
    ].map(([first, second]) => ({
      what: `Host: ${first} then Host: ${second}`,
      bytes: request('GET /.well-known/jwks.json HTTP/1.1', [`Host: ${second}`], '', {
        hostHeader: first,
      }),
      // 400 as RFC 9112 §3.2 says, or 421: either refuses; a 200 answers a host that is not us.
      expect: { status: [400, 421] },
    }));
    expect(await runProbes(probes)).toEqual([]);
  });

  it('an absolute-form target with a user part is refused, not taken for the host its user part names', async () => {
    // `http://portal.example.com:x@evil.example/…` is a request for evil.example: the user
    // part names ours. The Host check cut the authority at its last ':' (the password's) and
    // read `portal.example.com` (a review); a user part is now refused.
    const probes: Probe[] = [];
    for (const authority of ['portal.example.com:x@evil.example', '127.0.0.1:1@evil.example']) {
      for (const [target, head] of [
        ['/api/health', []],
        ['/.well-known/jwks.json', []],
        ['/metrics', [`Authorization: Bearer ${METRICS_TOKEN}`]],
        ['/login?token=1.abc', []],
      ] as [string, string[]][]) {
        probes.push({
          what: `GET http://${authority}${target}`,
          bytes: request(`GET http://${authority}${target} HTTP/1.1`, head),
          expect: { status: [400, 421] },
        });
      }
    }
    expect(await runProbes(probes)).toEqual([]);
  });

  it('framing: length and chunks together, two lengths, odd Transfer-Encodings, extensions, huge chunks', async () => {
    const json = '{"email":1}';
    const chunked = `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
    const signIn = 'POST /api/public/auth/sign-in HTTP/1.1';
    const withType = (head: string[]) => ['Content-Type: application/json', ...head];
    const then = request('GET /api/health HTTP/1.1');
    const refused = { status: 400, code: 'validation_failed' } as const;
    const probes: Probe[] = [
      {
        what: 'two different Content-Lengths',
        bytes: request(signIn, withType(['Content-Length: 5', 'Content-Length: 11']), json),
        expect: refused,
      },
      {
        what: 'two equal Content-Lengths',
        bytes: request(signIn, withType(['Content-Length: 11', 'Content-Length: 11']), json),
        expect: refused,
      },
      {
        what: 'a Content-Length list',
        bytes: request(signIn, withType(['Content-Length: 11, 11']), json),
        expect: refused,
      },
      {
        what: 'a signed Content-Length',
        bytes: request(signIn, withType(['Content-Length: +11']), json),
        expect: refused,
      },
      {
        what: 'a Content-Length past 2^64',
        bytes: request(signIn, withType(['Content-Length: 99999999999999999999999']), json),
        expect: refused,
      },
      {
        what: 'Transfer-Encoding: chunked, identity',
        bytes:
          request(signIn, withType(['Transfer-Encoding: chunked, identity']), chunked, {
            close: false,
          }) + then,
        expect: refused,
      },
      {
        what: 'Transfer-Encoding: xchunked',
        bytes:
          request(signIn, withType(['Transfer-Encoding: xchunked']), chunked, {
            close: false,
          }) + then,
        expect: refused,
      },
      {
        what: 'Transfer-Encoding twice',
        bytes:
          request(
            signIn,
            withType(['Transfer-Encoding: chunked', 'Transfer-Encoding: identity']),
            chunked,
            { close: false },
          ) + then,
        expect: refused,
      },
      {
        what: 'a space before the colon of Transfer-Encoding',
        bytes:
          request(signIn, withType(['Transfer-Encoding : chunked']), chunked, {
            close: false,
          }) + then,
        expect: refused,
      },
      {
        what: 'Transfer-Encoding folded onto a second line',
        bytes:
          request(signIn, withType(['Transfer-Encoding:', ' chunked']), chunked, {
            close: false,
          }) + then,
        expect: refused,
      },
      {
        what: 'a folded header line elsewhere',
        bytes: request(signIn, withType(['X-Note: a', ' chunked', 'Content-Length: 11']), json),
        expect: refused,
      },
      {
        what: 'chunk lines ended by bare LFs',
        bytes:
          request(
            signIn,
            withType(['Transfer-Encoding: chunked']),
            chunked.replaceAll('\r\n', '\n'),
            {
              close: false,
            },
          ) + then,
        expect: refused,
      },
      {
        what: 'a chunk size past 2^64',
        bytes: request(
          signIn,
          withType(['Transfer-Encoding: chunked']),
          `ffffffffffffffffff\r\n${json}`,
        ),
        expect: refused,
      },
      {
        what: 'a chunk extension of 20 kB',
        bytes: request(
          signIn,
          withType(['Transfer-Encoding: chunked']),
          `${json.length.toString(16)};${'e'.repeat(20_000)}\r\n${json}\r\n0\r\n\r\n`,
        ),
        expect: refused,
      },
      // Chunked as the final coding, with a tab, an extension or a trailer: read as chunks, and
      // the request after it answered on its own.
      ...(
        [
          ['Transfer-Encoding: identity, chunked', chunked],
          ['Transfer-Encoding:\tchunked', chunked],
          [
            'Transfer-Encoding: chunked',
            `${json.length.toString(16)};name="v"\r\n${json}\r\n0\r\n\r\n`,
          ],
          [
            'Transfer-Encoding: chunked',
            `${json.length.toString(16)}\r\n${json}\r\n0\r\nX-Trailer: 1\r\n\r\n`,
          ],
        ] as const
      ).map(
        ([te, body]): Probe => ({
          what: `${JSON.stringify(te)} then a GET`,
          bytes: request(signIn, withType([te]), body, { close: false }) + then,
          expect: { status: 400, code: 'validation_failed' },
        }),
      ),
    ];
    expect(await runProbes(probes)).toEqual([]);

    // The request read as chunks is followed by the GET's own answer, not by nothing.
    const both = await exchange(
      request(
        signIn,
        withType(['Transfer-Encoding: chunked']),
        `${json.length.toString(16)};a=b\r\n${json}\r\n0\r\n\r\n`,
        {
          close: false,
        },
      ) + then,
    );
    expect(both.answers.map((a) => a.status)).toEqual([400, 200]);
    expect(both.answers[1]?.body).toBe('{"ok":true}');
  });

  it('smuggling: a request hidden in a body by a length or chunk mismatch is never run', async () => {
    const victim = await signIn(org.members[0]);
    const signOut = request('POST /api/public/auth/sign-out HTTP/1.1', [
      `Authorization: Bearer ${victim}`,
    ]);
    const attempts = {
      'CL.TE': request(
        'POST /api/public/auth/sign-in HTTP/1.1',
        [
          'Content-Type: application/json',
          `Content-Length: ${'0\r\n\r\n'.length + signOut.length}`,
          'Transfer-Encoding: chunked',
        ],
        `0\r\n\r\n${signOut}`,
        { close: false },
      ),
      'TE.CL': request(
        'POST /api/public/auth/sign-in HTTP/1.1',
        ['Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked'],
        `${signOut.length.toString(16)}\r\n${signOut}\r\n0\r\n\r\n`,
        { close: false },
      ),
      'TE.TE (xchunked)': request(
        'POST /api/public/auth/sign-in HTTP/1.1',
        [
          'Content-Type: application/json',
          `Content-Length: ${signOut.length}`,
          'Transfer-Encoding: xchunked',
        ],
        signOut,
        { close: false },
      ),
      // A GET's body, as long as the request inside it: read as body, never as a request.
      'a GET with a body': request(
        'GET /api/health HTTP/1.1',
        ['Content-Type: application/json', `Content-Length: ${signOut.length}`],
        signOut,
        { close: false },
      ),
      'a HEAD with a body': request(
        'HEAD /api/health HTTP/1.1',
        ['Content-Type: application/json', `Content-Length: ${signOut.length}`],
        signOut,
        { close: false },
      ),
      'a DELETE with a body': request(
        'DELETE /api/public/auth/sessions/1 HTTP/1.1',
        ['Content-Type: application/json', `Content-Length: ${signOut.length}`],
        signOut,
        { close: false },
      ),
    };
    for (const [what, bytes] of Object.entries(attempts)) {
      const methods = what.includes('HEAD') ? ['HEAD', 'GET'] : [];
      const got = await exchange(bytes + request('GET /api/health HTTP/1.1'), { methods });
      expect(got.answers.length, what).toBeLessThanOrEqual(2);
      expect(got.answers[0]?.status, what).toBeGreaterThanOrEqual(
        what.startsWith('a ') ? 200 : 400,
      );
      expect(got.answers[0]?.status, what).toBeLessThan(500);
      // Whatever came second is the GET's answer, never the hidden sign-out's.
      if (got.answers[1]) expect([what, got.answers[1].body]).toEqual([what, '{"ok":true}']);
      const session = await api('GET', '/api/public/auth/session', { token: victim });
      expect([what, session.status]).toEqual([what, 200]);
    }
  });

  it('a body past 64 KiB in one huge chunk is refused with 413 as it arrives', async () => {
    const conn = await conversation();
    conn.write(
      request(
        'POST /api/public/auth/sign-in HTTP/1.1',
        ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
        `fffffff\r\n${'a'.repeat(70_000)}`,
      ),
    );
    const answer = await conn.next();
    conn.destroy();
    expect([answer?.status, JSON.parse(answer?.body ?? '{}').error?.code]).toEqual([
      413,
      'payload_too_large',
    ]);
    expect(await stillUp()).toEqual([]);
  });

  it('Expect: 100-continue is answered 100 and then the body is read; any other expectation is 417', async () => {
    const body = '{"email":1}';
    const conn = await conversation();
    conn.write(
      request('POST /api/public/auth/sign-in HTTP/1.1', [
        ...jsonHead(body),
        'Expect: 100-continue',
      ]),
    );
    const interim = await conn.next();
    expect(interim?.status).toBe(100);
    conn.write(body);
    const final = await conn.next();
    expect([final?.status, JSON.parse(final?.body ?? '{}').error?.code]).toEqual([
      400,
      'validation_failed',
    ]);
    await conn.ended;

    // Node answers 417 itself (no checkExpectation listener): a status with no envelope.
    const other = await exchange(
      request('POST /api/public/auth/sign-in HTTP/1.1', [...jsonHead(body), 'Expect: teapot']),
    );
    expect(other.answers[0]?.status).toBe(417);
    expect(await stillUp()).toEqual([]);
  });

  it('keep-alive: after a 4xx the connection answers the next request; Connection: close closes it', async () => {
    const conn = await conversation();
    const asked: [string, number][] = [
      [request('GET /api/no/such HTTP/1.1', [], '', { close: false }), 404],
      [
        request('GET /api/health HTTP/1.1', [], '', { close: false, hostHeader: 'evil.example' }),
        421,
      ],
      [
        request(
          'POST /api/public/auth/sign-in HTTP/1.1',
          ['Content-Type: text/plain', 'Content-Length: 2'],
          'hi',
          {
            close: false,
          },
        ),
        415,
      ],
      [
        request('POST /api/public/auth/sign-in HTTP/1.1', jsonHead('{'), '{', { close: false }),
        400,
      ],
      [request('GET /api/health HTTP/1.1', [], '', { close: false }), 200],
      [request('GET /api/health HTTP/1.1'), 200],
    ];
    const statuses: number[] = [];
    for (const [bytes] of asked) {
      conn.write(bytes);
      statuses.push((await conn.next())?.status ?? 0);
    }
    expect(statuses).toEqual(asked.map(([, status]) => status));
    await conn.ended;
    expect(conn.isClosed()).toBe(true);

    // The same, pipelined in one write: answered in order, each on its own.
    const pipelined = await exchange(asked.map(([bytes]) => bytes).join(''));
    expect(pipelined.answers.map((a) => a.status)).toEqual(asked.map(([, status]) => status));
  });

  it('a pipelined request behind one Node refuses is neither answered nor run', async () => {
    const victim = await signIn(org.members[0]);
    const signOut = request('POST /api/public/auth/sign-out HTTP/1.1', [
      `Authorization: Bearer ${victim}`,
    ]);
    for (const bad of [
      request('get /api/health HTTP/1.1', [], '', { close: false }),
      request('GET /api/health HTTP/1.1', ['X-Note: a\u0000b'], '', { close: false }),
      request('GET /api/health HTTP/1.1', ['Content-Length: 1', 'Content-Length: 2'], 'x', {
        close: false,
      }),
    ]) {
      const got = await exchange(bad + signOut);
      expect(got.answers.map((a) => a.status)).toEqual([400]);
      expect(got.closed).toBe(true);
      expect((await api('GET', '/api/public/auth/session', { token: victim })).status).toBe(200);
    }
  });

  it('a request pipelined before one Node refuses gets its own answer first', async () => {
    // Found: the sign-out ran (the session revoked, its log line 200), yet the client read
    // `400 validation_failed`: the clientError was answered while the first request was in
    // flight, and the socket ended before its answer (a review). It now waits for that answer.
    const outcomes: [string, number | undefined, number][] = [];
    for (const [what, tail, close] of [
      ['an unknown method after it', request('BREW / HTTP/1.1', [], '', { close: false }), false],
      // RFC 9112 §9.6: after `Connection: close` the server answers that request and reads no more.
      ['a request after its Connection: close', request('GET /api/health HTTP/1.1'), true],
    ] as const) {
      const victim = await signIn(org.members[1]);
      const first = request(
        'POST /api/public/auth/sign-out HTTP/1.1',
        [`Authorization: Bearer ${victim}`],
        '',
        { close },
      );
      const got = await exchange(first + tail);
      const session = await api('GET', '/api/public/auth/session', { token: victim });
      outcomes.push([what, got.answers[0]?.status, session.status]);
    }
    // The sign-out's own answer first (200), and the session it ended gone (401).
    expect(outcomes).toEqual([
      ['an unknown method after it', 200, 401],
      ['a request after its Connection: close', 200, 401],
    ]);
  });

  it('an HTTP/1.1 request without Host gets a 400 with the error envelope', async () => {
    // Node's own check (`requireHostHeader`) answered a bare 400; with it off (http/connections.ts)
    // the adapter refuses it with the envelope, as it does HTTP/1.0 without Host (above).
    const probes: Probe[] = [
      {
        what: 'GET /api/health HTTP/1.1 without Host',
        bytes: request('GET /api/health HTTP/1.1', [], '', { hostHeader: null }),
        expect: { status: 400, code: 'validation_failed' },
      },
    ];
    expect(await runProbes(probes)).toEqual([]);
  });

  it('headers: a thousand, NUL, CR or LF in a value, bytes above 0x7f, big and many cookies', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => `X-H${i}: v`);
    const session = 'GET /api/public/auth/session HTTP/1.1';
    const unauthenticated = { status: 401, code: 'unauthenticated' } as const;
    const refused = { status: 400, code: 'validation_failed' } as const;
    const probes: Probe[] = [
      {
        what: '1,000 headers',
        bytes: request('GET /api/health HTTP/1.1', many),
        expect: { status: 200 },
      },
      {
        what: '2,500 empty headers (past Node’s count, under its size)',
        bytes: request(
          'GET /api/health HTTP/1.1',
          Array.from({ length: 2500 }, () => 'X:'),
        ),
        expect: { status: 200 },
      },
      {
        what: 'a NUL in a value',
        bytes: request('GET /api/health HTTP/1.1', ['X-A: a\u0000b']),
        expect: refused,
      },
      {
        what: 'a CR in a value',
        bytes: request('GET /api/health HTTP/1.1', ['X-A: a\rb']),
        expect: refused,
      },
      {
        what: 'a bare LF in a value',
        bytes: request('GET /api/health HTTP/1.1', ['X-A: a\nb']),
        expect: refused,
      },
      {
        what: 'a NUL in a Cookie',
        bytes: request(session, ['Cookie: ob_session=a\u0000b']),
        expect: refused,
      },
      {
        what: 'latin1 bytes in a value',
        bytes: request('GET /api/health HTTP/1.1', ['X-A: caf\u00e9 \u00ff']),
        expect: { status: 200 },
      },
      {
        what: 'a byte above 0x7f in a name',
        bytes: request('GET /api/health HTTP/1.1', ['X-\u00e9: v']),
        expect: refused,
      },
      {
        what: 'UTF-8 bytes in a session cookie',
        bytes: request(session, [`Cookie: ob_session=${Buffer.from('é€😀').toString('latin1')}`]),
        expect: unauthenticated,
      },
      {
        what: 'bytes above 0x7f in a bearer token',
        bytes: request(session, ['Authorization: Bearer \u00ff\u00fe']),
        expect: unauthenticated,
      },
      {
        what: 'a 10 kB session cookie',
        bytes: request(session, [`Cookie: ob_session=${'a'.repeat(10_000)}`]),
        expect: unauthenticated,
      },
      {
        what: 'a 10 kB bearer token',
        bytes: request(session, [`Authorization: Bearer ${'a'.repeat(10_000)}`]),
        expect: unauthenticated,
      },
      {
        what: '200 cookies',
        bytes: request(session, [
          `Cookie: ${Array.from({ length: 200 }, (_, i) => `c${i}=v${i}`).join('; ')}`,
        ]),
        expect: unauthenticated,
      },
      {
        what: 'two Cookie headers naming the session',
        bytes: request(session, ['Cookie: ob_session=aaa', 'Cookie: ob_session=bbb']),
        expect: unauthenticated,
      },
      {
        what: 'a session cookie twice in one header',
        bytes: request(session, ['Cookie: ob_session=aaa; ob_session=bbb; __Host-ob_session=ccc']),
        expect: unauthenticated,
      },
      {
        what: 'a cookie without a name or value',
        bytes: request(session, ['Cookie: ;;=;ob_session;=x']),
        expect: unauthenticated,
      },
      {
        what: 'two Authorization headers',
        bytes: request(session, ['Authorization: Bearer aaa', 'Authorization: Bearer bbb']),
        expect: unauthenticated,
      },
      {
        what: 'Basic credentials',
        bytes: request(session, [`Authorization: Basic ${Buffer.from('a:b').toString('base64')}`]),
        expect: unauthenticated,
      },
      {
        what: 'a gzip body that is gzip (never decoded into JSON)',
        bytes: request(
          'POST /api/public/auth/sign-in HTTP/1.1',
          [
            'Content-Type: application/json',
            'Content-Encoding: gzip',
            `Content-Length: ${gzipSync('{"email":"a@b.test","password":"p"}').length}`,
          ],
          gzipSync('{"email":"a@b.test","password":"p"}').toString('latin1'),
        ),
        expect: { status: [400, 415] },
      },
      ...(
        [
          ['application/json;;;', 415],
          ['application/json, text/plain', 415],
          ['application/json; charset=utf-16', 400],
          ['application/json; charset="utf-8"; boundary=x', 400],
          ['application/x-www-form-urlencoded', 415],
          ['multipart/form-data; boundary=x', 415],
          ['text/json', 415],
          ['application/json\u00ff', 415],
        ] as const
      ).map(
        ([type, status]): Probe => ({
          what: `Content-Type: ${type}`,
          bytes: request(
            'POST /api/public/auth/sign-in HTTP/1.1',
            [`Content-Type: ${type}`, 'Content-Length: 11'],
            '{"email":1}',
          ),
          expect: { status },
        }),
      ),
      {
        what: 'two Content-Types',
        bytes: request(
          'POST /api/public/auth/sign-in HTTP/1.1',
          ['Content-Type: text/plain', 'Content-Type: application/json', 'Content-Length: 11'],
          '{"email":1}',
        ),
        expect: { status: 415, code: 'unsupported_media_type' },
      },
    ];
    expect(await runProbes(probes)).toEqual([]);
  });

  it('a JSON body sent under a Content-Encoding is refused, never read as if it had none', async () => {
    // The body is read from the socket as it came (middleware/read-body.ts): a filter in front
    // that decodes gzip would judge other bytes than the app runs. Found: the sign-in below
    // succeeded (a review); a coding other than identity is now refused.
    const persona = org.members[1];
    const body = JSON.stringify({ email: persona.email, password: persona.password });
    const probes: Probe[] = ['gzip', 'br', 'deflate, gzip'].map((coding) => ({
      what: `Content-Encoding: ${coding} on a plain JSON sign-in`,
      bytes: request(
        'POST /api/public/auth/sign-in HTTP/1.1',
        [...jsonHead(body), `Content-Encoding: ${coding}`],
        body,
      ),
      expect: { status: 415, code: 'unsupported_media_type' },
    }));
    expect(await runProbes(probes)).toEqual([]);
  });

  it('a test clock header past its length is refused like any error: named, logged, after the Host check', async () => {
    // The test clock's check ran before the request id, the request log, the secure headers and
    // the Host check: its 400 had no X-Request-Id, no nosniff, no log line, and a foreign Host
    // got it rather than 421 (a review). It now runs after them (app.ts).
    const long = `x-onbehalf-test-clock: ${'c'.repeat(300)}`;
    const ours = await exchange(request('GET /api/health HTTP/1.1', [long]));
    const foreign = await exchange(
      request('GET /api/health HTTP/1.1', [long], '', { hostHeader: 'evil.example' }),
    );
    expect({
      status: ours.answers[0]?.status,
      requestId: ours.answers[0]?.headers['x-request-id'] !== undefined,
      nosniff: ours.answers[0]?.headers['x-content-type-options'],
      foreignHost: foreign.answers[0]?.status,
    }).toEqual({ status: 400, requestId: true, nosniff: 'nosniff', foreignHost: 421 });
  });

  it('a whole session through the edge: sign-in, links, tokens, hand-off, API key, password change', async () => {
    const key = { [KEY_HEADER]: TEST_KEY };
    const admin = org.admin;
    const member = org.members[0];
    const other = org.members[1];
    const adminToken = await signIn(admin);

    // A browser's sign-in: the token comes in a cookie only.
    const browser = await api('POST', '/api/public/auth/sign-in', {
      body: { email: member.email, password: member.password },
      headers: { origin: server.url },
    });
    expect(browser.status).toBe(200);
    const cookie =
      browser.headers
        .getSetCookie()
        .find((c) => c.startsWith('ob_session='))
        ?.split(';')[0] ?? '';
    expect(cookie).toMatch(/^ob_session=.{20,}/);
    secrets.add(cookie.slice('ob_session='.length));
    const asCookie = await api('GET', '/api/public/auth/session', { cookie });
    expect(asCookie.status).toBe(200);
    whoActed.user.push(asCookie.id);

    // Refusals carrying secrets of their own.
    const wrongPassword = 'wrong-password-guess-3e9a1f';
    secrets.add(wrongPassword);
    expect(
      (
        await api('POST', '/api/public/auth/sign-in', {
          body: { email: member.email, password: wrongPassword },
        })
      ).status,
    ).toBe(401);

    // The team door: a hand-off token, exchanged, the session JWT, a guess, leave.
    const reason = 'checking-an-order-reason';
    const handoff = await api(
      'GET',
      `/api/public/coworkers/${other.profileId}/impersonate?reason=${reason}`,
      { token: adminToken },
    );
    expect(handoff.status).toBe(200);
    const handoffToken = handoff.json.token as string;
    secrets.add(handoffToken);
    const guess = `${handoffToken.split('.')[0]}.guessed-secret-part-0000000000000000000`;
    secrets.add(guess.split('.')[1] ?? '');
    expect(
      (await api('POST', `/api/public/auth/login/${guess}`, { token: adminToken })).status,
    ).toBeGreaterThanOrEqual(400);
    const exchanged = await api('POST', `/api/public/auth/login/${handoffToken}`, {
      token: adminToken,
    });
    expect(exchanged.status).toBe(200);
    const impToken = exchanged.json.token as string;
    secrets.add(impToken);
    const asImpersonated = await api('GET', '/api/public/orders', { token: impToken });
    expect(asImpersonated.status).toBe(200);
    whoActed.impersonated.push(asImpersonated.id);
    const jwt = await api('GET', '/api/public/auth/token', { token: impToken });
    expect(jwt.status).toBe(200);
    // The whole JWT, its claims and its signature (its header names only the key).
    const [, claims = '', signature = ''] = (jwt.json.jwt as string).split('.');
    for (const part of [jwt.json.jwt as string, claims, signature]) secrets.add(part);
    expect(
      (await api('POST', '/api/public/auth/impersonation/leave', { token: impToken })).status,
    ).toBe(200);

    // An operator: a one-click link by email, opened as a page, previewed and redeemed.
    const operator = await api('POST', '/api/test/operators', {
      headers: key,
      body: { role: 'superadmin' },
    });
    expect(operator.status).toBe(201);
    secrets.add(operator.json.password as string);
    const opToken = await signIn(operator.json as unknown as Persona);
    expect(
      (
        await api('POST', '/api/sys/one-click-links', {
          token: opToken,
          body: { userId: member.userId },
        })
      ).status,
    ).toBe(202);
    const mail = await api('GET', `/api/test/mailbox?to=${encodeURIComponent(member.email)}`, {
      headers: key,
    });
    const link = ((mail.json.messages as { links: string[] }[])[0]?.links ?? []).find((l) =>
      l.includes('/one-click/'),
    );
    expect(link).toBeDefined();
    const [, userId, hash] = /\/one-click\/(\d+)\/([^/?#]+)/.exec(link ?? '') ?? [];
    secrets.add(hash ?? '');
    expect((await api('GET', `/one-click/${userId}/${hash}`)).status).toBe(200);
    const oneClickBody = { userId: Number(userId), hash };
    expect(
      (await api('POST', '/api/public/auth/one-click/preview', { body: oneClickBody })).status,
    ).toBe(200);
    const wrongHash = 'guessed-link-hash-00000000000000000000000000';
    secrets.add(wrongHash);
    expect(
      (
        await api('POST', '/api/public/auth/one-click', {
          body: { userId: Number(userId), hash: wrongHash },
        })
      ).status,
    ).toBeGreaterThanOrEqual(400);
    const redeemed = await api('POST', '/api/public/auth/one-click', { body: oneClickBody });
    expect(redeemed.status).toBe(200);
    secrets.add(redeemed.json.token as string);

    // A login token (a guest's), opened as /login?token=…, previewed and redeemed.
    const loginToken = await api('POST', '/api/sys/login-tokens', {
      token: opToken,
      body: {
        subject: { type: 'anonymous' },
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        oneTimeUse: false,
      },
    });
    expect(loginToken.status).toBe(201);
    const tokenText = loginToken.json.token as string;
    secrets.add(tokenText);
    secrets.add(tokenText.split('.')[1] ?? '');
    expect((await api('GET', `/login?token=${encodeURIComponent(tokenText)}`)).status).toBe(200);
    expect(
      (await api('POST', '/api/public/auth/login-token/preview', { body: { token: tokenText } }))
        .status,
    ).toBe(200);
    const guest = await api('POST', '/api/public/auth/login-token', { body: { token: tokenText } });
    expect(guest.status).toBe(200);
    secrets.add(guest.json.token as string);
    const wrongToken = `${tokenText.split('.')[0]}.guessed-login-token-000000000000000000`;
    secrets.add(wrongToken.split('.')[1] ?? '');
    expect(
      (await api('POST', '/api/public/auth/login-token', { body: { token: wrongToken } })).status,
    ).toBeGreaterThanOrEqual(400);

    // An API key, made and used; a wrong one refused.
    const apiKey = await api('POST', '/api/sys/api-keys', {
      token: opToken,
      body: {
        name: 'edge key',
        scopes: ['users:read', 'one-click-links:create'],
        organizationIds: [org.id],
      },
    });
    expect(apiKey.status).toBe(201);
    const keySecret = apiKey.json.secret as string;
    secrets.add(keySecret);
    // What follows the key's public id is its secret.
    secrets.add(keySecret.slice(keySecret.lastIndexOf('_') + 1));
    const byKey = await api('GET', '/api/sys/users?query=member', { token: keySecret });
    expect(byKey.status).toBe(200);
    whoActed.apiKey.push(byKey.id);
    expect(
      (
        await api('POST', '/api/sys/one-click-links', {
          token: keySecret,
          body: { userId: other.userId },
        })
      ).status,
    ).toBe(202);
    const wrongKey = `${keySecret.slice(0, keySecret.lastIndexOf('_') + 1)}guessedkeysecret000000000000000000000`;
    secrets.add(wrongKey.slice(wrongKey.lastIndexOf('_') + 1));
    expect((await api('GET', '/api/sys/users', { token: wrongKey })).status).toBe(401);

    // Metrics and the test key: right and wrong.
    expect((await api('GET', '/metrics', { token: METRICS_TOKEN })).status).toBe(200);
    secrets.add('wrong-metrics-token-9c8b7a6d');
    expect((await api('GET', '/metrics', { token: 'wrong-metrics-token-9c8b7a6d' })).status).toBe(
      401,
    );
    secrets.add('wrong-test-key-4f5e6d7c8b9a');
    expect(
      (
        await api('GET', '/api/test/mailbox?to=a@b.test', {
          headers: { [KEY_HEADER]: 'wrong-test-key-4f5e6d7c8b9a' },
        })
      ).status,
    ).toBe(401);

    // A password change, and the old password refused afterwards.
    const newPassword = 'edge-new-password-2b4d6f8h';
    secrets.add(newPassword);
    const changed = await api('PUT', '/api/public/account/password', {
      token: adminToken,
      body: { currentPassword: admin.password, newPassword },
    });
    expect(changed.status).toBe(200);
    whoActed.user.push(changed.id);
    expect(
      (
        await api('POST', '/api/public/auth/sign-in', {
          body: { email: admin.email, password: admin.password },
        })
      ).status,
    ).toBe(401);

    // The same secrets through a raw socket, where a proxy or a client may put them: a bearer
    // token in a query, a cookie on a foreign Host, a refused request.
    for (const bytes of [
      request(`GET /api/public/auth/session?access_token=${adminToken} HTTP/1.1`),
      request('GET /api/public/auth/session HTTP/1.1', [`Cookie: ${cookie}`], '', {
        hostHeader: 'evil.example',
      }),
      request(`POST /api/public/auth/login/${handoffToken} HTTP/1.1`, [
        `Authorization: Bearer ${impToken}`,
        'Content-Length: 0',
      ]),
      request('GET /api/health HTTP/1.1', ['X-Forwarded-For: 203.0.113.7']),
      // A control for the log's scan: a client's X-Request-Id is logged as clientRequestId.
      request('GET /api/health HTTP/1.1', [`X-Request-Id: ${CANARY}`]),
    ]) {
      const got = await exchange(bytes);
      expect(got.answers[0]?.status).toBeLessThan(500);
    }
  });

  it('the log: one request line per request, with what SPEC §8b names, no secret on any line, nothing at warn or error unmeant', async () => {
    // The last lines may still be on their way (pino writes asynchronously): wait for them.
    const ids = [...answered.keys()];
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (ids.every((id) => stdout.includes(id))) {
          stdoutWaiters.delete(check);
          clearTimeout(guard);
          resolve();
        }
      };
      const guard = setTimeout(() => {
        stdoutWaiters.delete(check);
        reject(
          new Error(`log lines missing for ${ids.filter((id) => !stdout.includes(id)).length} ids`),
        );
      }, 10_000);
      stdoutWaiters.add(check);
      check();
    });
    const text = stdout;
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    // The scan reads what requests brought: the canary is there, and there are secrets to seek.
    expect(text).toContain(CANARY);
    expect(secrets.size).toBeGreaterThan(25);
    // No secret, nor its SHA-256 (what the database keeps), on any line, at any level.
    const leaked: string[] = [];
    for (const secret of secrets) {
      if (secret.length < 8) continue;
      const digests = [
        createHash('sha256').update(secret).digest('hex'),
        createHash('sha256').update(secret).digest('base64url'),
      ];
      for (const form of [secret, encodeURIComponent(secret), ...digests]) {
        if (text.includes(form)) leaked.push(`${form.slice(0, 12)}…`);
      }
    }
    expect(leaked).toEqual([]);

    // One line per request that reached the app, with its status as the client read it.
    const requestLines = lines.filter((l) => l.msg === 'request');
    const byId = new Map<string, Record<string, unknown>[]>();
    for (const line of requestLines) {
      byId.set(String(line.requestId), [...(byId.get(String(line.requestId)) ?? []), line]);
    }
    const wrong: string[] = [];
    for (const [id, status] of answered) {
      const logged = byId.get(id) ?? [];
      if (logged.length !== 1) wrong.push(`${id}: ${logged.length} lines`);
      else if (logged[0]?.status !== status)
        wrong.push(`${id}: logged ${logged[0]?.status}, sent ${status}`);
    }
    expect(wrong).toEqual([]);
    for (const line of requestLines) {
      expect(line).toMatchObject({
        level: expect.stringMatching(/^(info|error)$/),
        time: expect.any(Number),
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        method: expect.any(String),
        route: expect.stringMatching(/^\//),
        status: expect.any(Number),
        durationMs: expect.any(Number),
      });
      // The route is a pattern, never the raw path (which can hold a token).
      expect(String(line.route)).not.toMatch(/\?|%|one-click\/\d|login\/[0-9A-Z]{10}/);
    }
    for (const id of whoActed.user) expect(byId.get(id)?.[0]?.userId).toEqual(expect.any(Number));
    for (const id of whoActed.impersonated) {
      expect(byId.get(id)?.[0]).toMatchObject({
        userId: org.members[1].userId,
        actorUserId: org.admin.userId,
        impersonationId: expect.any(String),
      });
    }
    for (const id of whoActed.apiKey)
      expect(byId.get(id)?.[0]?.apiKeyId).toEqual(expect.any(String));

    // Nothing at warn or above but what the start means (test mode) and the one X-Forwarded-For
    // warning a server without TRUST_PROXY gives once.
    const loud = lines.filter((l) => !['trace', 'debug', 'info'].includes(String(l.level)));
    const meant = [
      /^TEST MODE \(ONBEHALF_TEST_MODE=1\)/,
      /^Requests carry X-Forwarded-For but TRUST_PROXY=0/,
    ];
    expect(
      loud
        .filter((l) => !meant.some((m) => m.test(String(l.msg))))
        .map((l) => `${l.level}: ${l.msg}`),
    ).toEqual([]);
    expect(requestLines.filter((l) => Number(l.status) >= 500)).toEqual([]);
    expect(server.child.exitCode).toBeNull();
  });
});
