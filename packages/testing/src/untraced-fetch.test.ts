import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiError } from '@onbehalf/api-client/api-error';
import { createApiClient } from '@onbehalf/api-client/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainedTestFetch, untracedFetch } from './untraced-fetch.ts';

const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    seen.push({ method: request.method, url: request.url, headers: request.headers, body });
    if (request.url?.startsWith('/not-test-mode')) {
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":{"code":"not_found"}}');
      return;
    }
    if (request.url?.startsWith('/keyed')) {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"error":{"code":"test_key_required"}}');
      return;
    }
    if (request.url?.startsWith('/gated')) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="staging"' }).end('gate');
      return;
    }
    if (request.url === '/moved') {
      response.writeHead(302, { location: 'http://elsewhere.test/moved-here' }).end();
      return;
    }
    response.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
let origin = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/**
 * A certificate for 127.0.0.1 that nobody trusts (self-signed, made for this run alone by the
 * machine's `openssl`, so that no key is kept in the repository): a staging server's own, or an
 * impostor's.
 */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-kit-tls-'));
  try {
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
        ...['-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('untracedFetch', () => {
  it('sends the method, headers and body, and answers the status, headers and body', async () => {
    const response = await untracedFetch()(`${origin}/made`, {
      method: 'POST',
      headers: { 'x-onbehalf-test-key': 'k', 'content-type': 'application/json' },
      body: '{"name":"Acme"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/made',
      headers: { 'x-onbehalf-test-key': 'k' },
      body: '{"name":"Acme"}',
    });
  });

  it("sends a gate's HTTP Basic credentials when given them", async () => {
    await untracedFetch({ httpCredentials: { username: 'qa', password: 'gate' } })(
      `${origin}/asked`,
    );
    expect(seen.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from('qa:gate').toString('base64')}`,
    );
    await untracedFetch()(`${origin}/asked`);
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('follows no redirect: the key never goes to another host', async () => {
    const before = seen.length;
    const response = await untracedFetch()(`${origin}/moved`, {
      headers: { 'x-onbehalf-test-key': 'k' },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://elsewhere.test/moved-here');
    expect(seen.length).toBe(before + 1);
  });

  it("checks the server's certificate unless the suite ignores HTTPS errors: the key goes to no impostor", async () => {
    const reached: IncomingHttpHeaders[] = [];
    const secure = createHttpsServer(selfSigned(), (request, response) => {
      reached.push(request.headers);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(secure.address() as AddressInfo).port}/asked`;
      const withKey = { headers: { 'x-onbehalf-test-key': 'k' } };
      await expect(untracedFetch()(url, withKey)).rejects.toMatchObject({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
      expect(reached).toEqual([]);
      // As the suite's own contexts do with `ignoreHTTPSErrors`: a staging server's certificate.
      const response = await untracedFetch({ ignoreHTTPSErrors: true })(url, withKey);
      expect(response.status).toBe(200);
      expect(reached).toMatchObject([{ 'x-onbehalf-test-key': 'k' }]);
    } finally {
      await new Promise<void>((resolve) => secure.close(() => resolve()));
    }
  });

  it('gives up when its signal is aborted', async () => {
    await expect(
      untracedFetch()(`${origin}/asked`, { signal: AbortSignal.abort(new Error('gone')) }),
    ).rejects.toThrow('gone');
  });
});

describe('explainedTestFetch', () => {
  const explained = () => explainedTestFetch(origin, untracedFetch());

  it('says what to fix, naming the server: not in test mode, a key wanted, nothing there', async () => {
    await expect(explained()(`${origin}/not-test-mode`)).rejects.toThrow(
      `${origin} has no test endpoints (404): start it with ONBEHALF_TEST_MODE=1`,
    );
    await expect(explained()(`${origin}/keyed`)).rejects.toMatchObject({
      status: 401,
      code: 'test_key_required',
      message: expect.stringMatching(
        /asks for its test mode key and was not sent it: set ONBEHALF_TEST_MODE_KEY/,
      ),
    });
    // The same refusal of a key the suite did send: the key is wrong, not missing.
    await expect(
      explainedTestFetch(origin, untracedFetch(), { keySent: true })(`${origin}/keyed`),
    ).rejects.toThrow(/refused the test mode key the suite sent: it is not the server's/);
    await expect(explained()(`${origin}/gated`)).rejects.toThrow(
      /refused the test endpoints \(401\) before test mode could answer: a gate in front of it\? Give the suite its credentials/,
    );
    const nowhere = 'http://127.0.0.1:9';
    await expect(explainedTestFetch(nowhere, untracedFetch())(`${nowhere}/asked`)).rejects.toThrow(
      `${nowhere} could not be reached`,
    );
  });

  it('reaches the suite through the typed client as it was said, with the status and code', async () => {
    // The client used to turn anything its fetch threw into "The server could not be reached."
    const unreachable = 'http://127.0.0.1:9';
    const client = (baseUrl: string, keySent: boolean) =>
      createApiClient({
        baseUrl,
        fetch: explainedTestFetch(baseUrl, untracedFetch(), { keySent }),
      });
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => null,
        (error: unknown) => error,
      );
    const keyed = await refusal(client(`${origin}/keyed`, true).test.clock());
    expect(keyed).toBeInstanceOf(ApiError);
    expect(keyed).toMatchObject({
      status: 401,
      code: 'test_key_required',
      message: expect.stringMatching(/refused the test mode key the suite sent/),
    });
    expect(await refusal(client(`${origin}/not-test-mode`, false).test.clock())).toMatchObject({
      status: 404,
      message: expect.stringMatching(/has no test endpoints \(404\)/),
    });
    expect(await refusal(client(unreachable, false).test.clock())).toMatchObject({
      status: 0,
      code: 'network_error',
      message: expect.stringMatching(`${unreachable} could not be reached`),
    });
  });

  it('passes an aborted request’s abort on as it is: not a server that could not be reached', async () => {
    const reason = new Error('the test gave up');
    const aborted = explained()(`${origin}/asked`, { signal: AbortSignal.abort(reason) });
    await expect(aborted).rejects.toBe(reason);
  });

  it('passes every other answer on as it came', async () => {
    const response = await explained()(`${origin}/asked`);
    expect(response.status).toBe(201);
  });
});
