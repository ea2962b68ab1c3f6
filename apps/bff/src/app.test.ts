import { routes as routeTable } from '@onbehalf/contracts/routes';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { openApiDocument } from './api.ts';
import { createTestApp, type TestApp } from './test/harness.ts';

let t: TestApp;
let customerToken: string;
let operatorToken: string;
/** Someone allowed to reach the route, so it is validation that answers, not a 403. */
const tokenFor = (path: string) => (path.startsWith('/api/sys/') ? operatorToken : customerToken);
interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
}
let operations: {
  method: string;
  path: string;
  hasBody: boolean;
  params: string[];
  /** The names of the query parameters it documents. */
  query: string[];
  /** The top-level fields its JSON body documents. */
  fields: [name: string, schema: Schema][];
}[];

beforeAll(async () => {
  t = await createTestApp({ rateLimits: false });
  // An owner holds every customer permission and a superadmin every operator one.
  customerToken = (await t.signIn('owner@acme.test')).token;
  operatorToken = (await t.signIn('root@onbehalf.test')).token;
  const doc = await t.call('GET', '/api/openapi.json');
  const { paths, components } = doc.json as {
    paths: Record<
      string,
      Record<
        string,
        {
          requestBody?: { content?: Record<string, { schema?: Schema }> };
          parameters?: { name: string; in: string }[];
        }
      >
    >;
    components?: { schemas?: Record<string, Schema> };
  };
  resolve = (schema) =>
    schema.$ref ? resolve(components?.schemas?.[schema.$ref.split('/').pop() ?? ''] ?? {}) : schema;
  operations = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      hasBody: op.requestBody !== undefined,
      params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? ''),
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      fields: Object.entries(
        resolve(op.requestBody?.content?.['application/json']?.schema ?? {}).properties ?? {},
      ),
    })),
  );
});

let resolve: (schema: Schema) => Schema;

const concrete = (path: string, value: string) => path.replace(/\{\w+\}/g, value);

/** A value a field of this schema takes, for the fields beside the one under test. */
function plausible(schema: Schema): unknown {
  const { enum: values, type } = resolve(schema);
  if (values?.length) return values[0];
  if (type === 'integer' || type === 'number') return 1;
  if (type === 'boolean') return true;
  if (type === 'array') return [];
  return 'text';
}

function expectEnvelope(res: { status: number; json: unknown }, status: number, code?: string) {
  expect(res.status).toBe(status);
  expect(res.json).toMatchObject({
    error: { code: code ?? expect.any(String), message: expect.any(String) },
  });
}

describe('bad input on every endpoint is a 4xx with the error envelope, never a 500', () => {
  it('the OpenAPI document lists the API', () => {
    expect(operations.length).toBeGreaterThan(8);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toContain(
      'POST /api/public/auth/sign-in',
    );
  });

  it('malformed JSON', async () => {
    for (const op of operations.filter((o) => o.hasBody)) {
      const res = await t.call(op.method, concrete(op.path, '1'), {
        token: tokenFor(op.path),
        body: '{"oops": ',
      });
      expectEnvelope(res, 400, 'malformed_json');
    }
  });

  it('wrong types', async () => {
    const wrong = [null, [], 'text', 42, { Id: 'x', email: 7, permissions: 'all', sku: 1 }];
    for (const op of operations.filter((o) => o.hasBody)) {
      for (const body of wrong) {
        const res = await t.call(op.method, concrete(op.path, '1'), {
          token: tokenFor(op.path),
          body: JSON.stringify(body),
        });
        expectEnvelope(res, 400, 'validation_failed');
      }
    }
  });

  it('a missing body', async () => {
    for (const op of operations.filter((o) => o.hasBody)) {
      const res = await t.call(op.method, concrete(op.path, '1'), { token: tokenFor(op.path) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('oversize bodies', async () => {
    const huge = JSON.stringify({ email: 'a'.repeat(200_000), password: 'x' });
    for (const op of operations.filter((o) => o.hasBody)) {
      const res = await t.call(op.method, concrete(op.path, '1'), {
        token: tokenFor(op.path),
        body: huge,
      });
      expectEnvelope(res, 413, 'payload_too_large');
    }
  });

  it('a body that is not JSON', async () => {
    for (const op of operations.filter((o) => o.hasBody)) {
      const res = await t.call(op.method, concrete(op.path, '1'), {
        token: tokenFor(op.path),
        body: 'a=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectEnvelope(res, 415, 'unsupported_media_type');
    }
  });

  it('path parameters of every shape', async () => {
    const shapes = ['abc', '-1', '0', '1.5', '9'.repeat(40), '%00', "1'--", 'x'.repeat(300)];
    for (const op of operations.filter((o) => o.params.length > 0)) {
      for (const value of shapes) {
        const res = await t.call(op.method, concrete(op.path, encodeURIComponent(value)), {
          token: tokenFor(op.path),
          body: op.hasBody ? { permissions: ['orders:read'] } : undefined,
        });
        expect(res.status, `${op.method} ${op.path} with ${value}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${op.method} ${op.path} with ${value}`).toBeLessThan(500);
        expect(res.error?.code).toEqual(expect.any(String));
      }
    }
  });

  // Every route, many requests each: seconds alone, many times that beside the rest of the suite.
  it('query parameters of every shape, repeated or in brackets, alone or all at once', {
    timeout: 120_000,
  }, async () => {
    // Already percent-encoded: bad escapes, invalid UTF-8 (a lone surrogate, an overlong
    // slash), NUL, a full-width digit, text where a number goes and numbers past any column.
    const shapes = ['', 'abc', '-1', '1.5', '9'.repeat(40), '1e308', '%00', '%ZZ', '%ED%A0%80'];
    shapes.push('%FF', '%C0%AF', '%EF%BC%90', "1'--", 'x'.repeat(3000), '[]', '%0A', 'a%26b%3Dc');
    const failed: string[] = [];
    for (const op of operations.filter((o) => o.query.length > 0)) {
      const asked = (query: string) =>
        t.call(op.method, `${concrete(op.path, '1')}?${query}`, { token: tokenFor(op.path) });
      const queries = op.query.flatMap((name) =>
        shapes.flatMap((value) => [
          `${name}=${value}`,
          `${name}=${value}&${name}=2`,
          `${name}[]=${value}`,
        ]),
      );
      queries.push(op.query.map((name) => `${name}=${'x'.repeat(500)}`).join('&'));
      for (const query of queries) {
        const res = await asked(query);
        // Refused with the envelope (a code), or answered as the list would be.
        if (res.status >= 500 || (res.status >= 400 && !res.error?.code)) {
          failed.push(`${res.status} ${op.method} ${op.path}?${query}`);
        }
      }
    }
    expect(failed).toEqual([]);
  });

  // Every route, many requests each: seconds alone, many times that beside the rest of the suite.
  it('each field of a body given odd values, alone or beside plausible others', {
    timeout: 120_000,
  }, async () => {
    const odd: unknown[] = ['', 'x'.repeat(5000), '\ud800', 'a\u0000b', -1, 1.5, 2 ** 53, 1e308];
    odd.push(true, null, [], ['x'.repeat(300)], Array(2000).fill('a'), {}, { a: 1 });
    odd.push('2026-02-30T25:00:00Z', '9'.repeat(40), '<script>', 'root@onbehalf.test');
    const failed: string[] = [];
    for (const op of operations.filter((o) => o.fields.length > 0)) {
      for (const [name] of op.fields) {
        const others = Object.fromEntries(
          op.fields.filter(([other]) => other !== name).map(([other, s]) => [other, plausible(s)]),
        );
        for (const value of odd) {
          for (const body of [{ [name]: value }, { ...others, [name]: value }]) {
            const res = await t.call(op.method, concrete(op.path, '1'), {
              token: tokenFor(op.path),
              body: JSON.stringify(body),
            });
            if (res.status >= 500 || (res.status >= 400 && !res.error?.code)) {
              failed.push(`${res.status} ${op.method} ${op.path} ${name}`);
            }
          }
        }
      }
    }
    expect(failed).toEqual([]);
  });

  it('unknown API paths', async () => {
    expectEnvelope(
      await t.call('GET', '/api/public/nothing-here', { token: customerToken }),
      404,
      'not_found',
    );
  });
});

describe('an error a browser shows as a page', () => {
  it('is the envelope as HTML, escaped, for a navigation; every fetch still gets JSON', async () => {
    const navigated = await t.call('GET', '/api/public/nothing-here', {
      token: customerToken,
      headers: { 'sec-fetch-dest': 'document' },
    });
    expect(navigated.status).toBe(404);
    expect(navigated.headers.get('content-type')).toMatch(/^text\/html/);
    expect(navigated.text).toContain('<h1>Not found.</h1>');
    expect(navigated.text).toContain('<code>not_found</code>');
    expect(navigated.text).not.toContain('<script');
    // Security headers as on every answer: the page runs nothing and cannot be framed.
    expect(navigated.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    for (const dest of [undefined, 'empty', 'iframe']) {
      const fetched = await t.call('GET', '/api/public/nothing-here', {
        token: customerToken,
        headers: dest ? { 'sec-fetch-dest': dest } : {},
      });
      expectEnvelope(fetched, 404, 'not_found');
    }
  });

  it('escapes what a message may carry', async () => {
    const { errorPage } = await import('./http/error-page.ts');
    const { AppError } = await import('./lib/errors.ts');
    const page = String(
      errorPage(new AppError('validation_failed', { message: '<img src=x onerror=alert(1)>' })),
    );
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('security headers', () => {
  it('are on every response, and API answers are never cached', async () => {
    const res = await t.call('GET', '/api/health');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('permissions-policy')).toBe(
      'camera=(), microphone=(), geolocation=(), payment=(), usb=(), display-capture=(), publickey-credentials-get=(), publickey-credentials-create=()',
    );
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    // HSTS only in production: on plain-HTTP localhost it would pin the browser to HTTPS.
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('bodies read from a real socket', () => {
  it('are parsed, size-limited and refused when malformed exactly as in-process ones', async () => {
    const { serve } = await import('@hono/node-server');
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const post = (body: string) =>
      fetch(`${origin}/api/public/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }).then(async (r) => ({
        status: r.status,
        json: (await r.json()) as { error?: { code: string } },
      }));
    try {
      expect(
        (await post(JSON.stringify({ email: 'owner@acme.test', password: 'demo-password' })))
          .status,
      ).toBe(200);
      expect((await post('{"email": ')).json.error?.code).toBe('malformed_json');
      expect((await post(JSON.stringify({ email: 7 }))).json.error?.code).toBe('validation_failed');
      const huge = await post(JSON.stringify({ email: 'a'.repeat(200_000), password: 'x' }));
      expect(huge.status).toBe(413);
      expect(huge.json.error?.code).toBe('payload_too_large');
      // No body at all (content-length: 0): answered at once, as in-process.
      const inProcess = await t.call('POST', '/api/public/auth/sign-in', { body: '' });
      const empty = await post('');
      expect(empty.status).toBe(400);
      expect(inProcess.error?.code).toEqual(expect.any(String));
      expect(empty.json.error?.code).toBe(inProcess.error?.code);
      // A chunked body has no length; it is still read to the end.
      const chunked = await fetch(`${origin}/api/public/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([
          JSON.stringify({ email: 'owner@acme.test', password: 'demo-password' }),
        ]).stream(),
        duplex: 'half',
      } as RequestInit);
      expect(chunked.status).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('connections that do not finish asking', () => {
  const limits = {
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
    checkEveryMs: 50,
    maxConnections: 2,
  };

  /** The server as `pnpm start` makes it (server.ts), with the limits shrunk. */
  async function bounded() {
    const { createHttpServer } = await import('./http/listener.ts');
    const server = createHttpServer(t.app.fetch, limits);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(null)));
    const { port } = server.address() as import('node:net').AddressInfo;
    return { server, port };
  }

  /** The connections the server holds now. */
  const connectionsOf = (server: import('node:net').Server) =>
    new Promise<number>((resolve, reject) =>
      server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );

  /** A raw connection: what it was sent back, and when it was closed (ms after opening). */
  async function connect(port: number) {
    const net = await import('node:net');
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const opened = performance.now();
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    const closed = new Promise<number>((resolve) =>
      socket.once('close', () => resolve(performance.now() - opened)),
    );
    return { socket, closed, received: () => received };
  }

  it('closes a connection whose headers trickle, or whose body stops, with 408; a whole request is answered', async () => {
    const { server, port } = await bounded();
    try {
      const trickling = await connect(port);
      trickling.socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      const stalledBody = await connect(port);
      stalledBody.socket.write(
        'POST /api/public/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{"email"',
      );
      expect(await trickling.closed).toBeLessThan(3_000);
      expect(trickling.received()).toMatch(/^HTTP\/1\.1 408/);
      expect(await stalledBody.closed).toBeLessThan(3_000);
      expect(stalledBody.received()).toMatch(/^HTTP\/1\.1 408/);

      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      expect(res.status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('answers a request no URL can be made of (a bad Host) with the error envelope, not a bare 400', async () => {
    const { server, port } = await bounded();
    try {
      for (const host of ['a b', '[::1', 'localhost:abc']) {
        const client = await connect(port);
        client.socket.write(
          `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        );
        await client.closed;
        const [head = '', body = ''] = client.received().split('\r\n\r\n');
        expect(head, host).toMatch(/^HTTP\/1\.1 400/);
        expect(head).toMatch(/content-type: application\/json/i);
        expect(JSON.parse(body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n$/gi, ''))).toEqual({
          error: { code: 'validation_failed', message: 'The request is not valid.' },
        });
      }
    } finally {
      server.close();
    }
  });

  it('answers what Node refuses before the app (not HTTP, a bad chunk, too large, too slow) with the error envelope', async () => {
    const { server, port } = await bounded();
    const envelopeOf = (received: string) => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      expect(head).toMatch(/content-type: application\/json/i);
      return { status: Number(head.split(' ')[1]), body: JSON.parse(body) };
    };
    try {
      const sent = {
        'not HTTP': 'hello there\r\n\r\n',
        'an unknown method': 'FOO /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
        'a bad chunk size':
          'POST /api/public/auth/sign-in HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      };
      for (const [what, bytes] of Object.entries(sent)) {
        const client = await connect(port);
        client.socket.write(bytes);
        await client.closed;
        expect(envelopeOf(client.received()), what).toEqual({
          status: 400,
          body: { error: { code: 'validation_failed', message: 'The request is not valid.' } },
        });
      }
      const huge = await connect(port);
      huge.socket.write(
        `GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      await huge.closed;
      expect(envelopeOf(huge.received())).toMatchObject({
        status: 431,
        body: { error: { code: 'headers_too_large' } },
      });
      const slow = await connect(port);
      slow.socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      await slow.closed;
      expect(envelopeOf(slow.received())).toMatchObject({
        status: 408,
        body: { error: { code: 'request_timeout' } },
      });
      // None of it stopped the server.
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('closes one connection more than the bound as it arrives, and takes new ones once others end', async () => {
    const { server, port } = await bounded();
    try {
      const first = await connect(port);
      const second = await connect(port);
      // The third is opened once the server has counted both.
      await vi.waitFor(async () => expect(await connectionsOf(server)).toBe(2));
      const third = await connect(port);
      expect(await third.closed).toBeLessThan(1_000);
      expect(third.received()).toBe('');
      first.socket.destroy();
      await first.closed;
      await vi.waitFor(async () => expect(await connectionsOf(server)).toBe(1));
      const fourth = await connect(port);
      fourth.socket.write(
        'GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      );
      await fourth.closed;
      expect(fourth.received()).toMatch(/^HTTP\/1\.1 200/);
      second.socket.destroy();
    } finally {
      server.close();
    }
  });
});

describe('the OpenAPI document', () => {
  it('is read or built once per process, not at every request: building it holds the event loop', async () => {
    const shipped = JSON.stringify({ openapi: '3.1.0', info: { title: 'as built' } });
    let reads = 0;
    const fresh = await createTestApp({
      rateLimits: false,
      openApiDocument: () => {
        reads += 1;
        return shipped;
      },
    });
    const answers = await Promise.all([1, 2, 3].map(() => fresh.call('GET', '/api/openapi.json')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(answers.map((answer) => answer.text)).toEqual([shipped, shipped, shipped]);
    expect(reads).toBe(1);
  });

  it('is built from the routes when no build wrote it, with test mode’s routes in test mode only', async () => {
    for (const testMode of [false, true]) {
      const fresh = await createTestApp({
        rateLimits: false,
        env: testMode ? { ONBEHALF_TEST_MODE: '1' } : {},
      });
      const answer = await fresh.call('GET', '/api/openapi.json');
      // Compared whole, but said in one line if not the same (400 kB each).
      expect(answer.text === openApiDocument(testMode)).toBe(true);
      const paths = Object.keys((answer.json as { paths: object }).paths);
      expect(paths).toContain(routeTable['auth.signIn'].path);
      expect(paths.includes(routeTable['test.createOrganization'].path)).toBe(testMode);
    }
  });
});
