import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../test/harness.ts';

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
});
