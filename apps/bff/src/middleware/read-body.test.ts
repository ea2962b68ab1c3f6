import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../http/listener.ts';
import { createLogger } from '../lib/logger.ts';
import { createTestApp } from '../test/harness.ts';
import { until } from '../test/server-processes.ts';

/**
 * read-body.ts is the one file that hands Hono a body it did not read itself (its body cache,
 * the Node adapter's `incoming`): these tests go through a real socket, the path production
 * takes, so a Hono upgrade that changes either internal fails here first.
 */

let origin: string;
let close: () => void;
beforeAll(async () => {
  const t = await createTestApp({ rateLimits: false });
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

/** A raw HTTP/1.1 request, so the test controls Content-Length and chunking exactly. */
function send(
  path: string,
  body: string | string[],
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { error?: { code: string } } & Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${origin}${path}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', host: 'portal.test', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    for (const part of Array.isArray(body) ? body : [body]) req.write(part);
    req.end();
  });
}

const signIn = '/api/public/auth/sign-in';
const credentials = JSON.stringify({ email: 'owner@acme.test', password: 'demo-password' });

describe('request bodies read from the socket', () => {
  it('a body with its length reaches the validator and the handler whole', async () => {
    const res = await send(signIn, credentials, {
      'content-length': String(Buffer.byteLength(credentials)),
    });
    expect(res.status).toBe(200);
    expect(res.json.session).toBeDefined();
  });

  it('a chunked body (no length) is read whole', async () => {
    const half = Math.floor(credentials.length / 2);
    const res = await send(signIn, [credentials.slice(0, half), credentials.slice(half)], {
      'transfer-encoding': 'chunked',
    });
    expect(res.status).toBe(200);
  });

  it('a chunked body that is not JSON is refused like one with a length: 415', async () => {
    // On a route that takes no body, so no validator stands behind the check to refuse it.
    const signedIn = await send(signIn, credentials);
    const res = await send('/api/public/auth/sign-out', ['sign', '-out'], {
      authorization: `Bearer ${String(signedIn.json.token)}`,
      'transfer-encoding': 'chunked',
      'content-type': 'text/plain',
    });
    expect([res.status, res.json.error?.code]).toEqual([415, 'unsupported_media_type']);
    const after = await send('/api/public/auth/sign-out', '', {
      authorization: `Bearer ${String(signedIn.json.token)}`,
      'content-length': '0',
    });
    expect(after.status).toBe(200);
  });

  it('a declared length over 64 KiB is refused before reading: 413 payload_too_large', async () => {
    const big = JSON.stringify({ email: 'x'.repeat(70_000), password: 'p' });
    const res = await send(signIn, big, { 'content-length': String(Buffer.byteLength(big)) });
    expect([res.status, res.json.error?.code]).toEqual([413, 'payload_too_large']);
  });

  it('a chunked body that grows past 64 KiB is cut off: 413 payload_too_large', async () => {
    const chunks = Array.from({ length: 20 }, () => 'x'.repeat(4096));
    const res = await send(signIn, ['{"email":"', ...chunks, '"}'], {
      'transfer-encoding': 'chunked',
    });
    expect([res.status, res.json.error?.code]).toEqual([413, 'payload_too_large']);
  });

  it('a POST without a body is read as empty, and the validator says what is missing', async () => {
    const res = await send(signIn, '', { 'content-length': '0' });
    expect(res.status).toBe(400);
    expect(['malformed_json', 'validation_failed']).toContain(res.json.error?.code);
  });

  it('a body the client breaks off is its doing: a 400, never taken for a lost database', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const t = await createTestApp({ rateLimits: false, logger });
    const server = createHttpServer(t.app.fetch);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      // A length of 100, five bytes of it, and the connection closed.
      const asked = new Promise((resolve) => server.once('request', resolve));
      const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
      socket.write(
        'POST /api/public/auth/sign-in HTTP/1.1\r\nhost: portal.test\r\n' +
          'content-type: application/json\r\ncontent-length: 100\r\n\r\n{"ema',
      );
      // The app is reading the body when the client goes.
      await asked;
      socket.destroy();
      await until(
        async () => lines.some((line) => line.includes('"msg":"request"')),
        'its log line',
      );
    } finally {
      server.close();
    }
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const request = logged.find((line) => line.msg === 'request');
    expect([request?.method, request?.status, request?.code, request?.level]).toEqual([
      'POST',
      400,
      'validation_failed',
      'info',
    ]);
    expect(logged.filter((line) => line.level !== 'info')).toEqual([]);
  });
});
