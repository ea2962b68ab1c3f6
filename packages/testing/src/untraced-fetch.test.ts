import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untracedFetch } from './untraced-fetch.ts';

const seen: { method?: string; url?: string; headers: IncomingHttpHeaders; body: string }[] = [];
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    seen.push({ method: request.method, url: request.url, headers: request.headers, body });
    if (request.url === '/moved') {
      response.writeHead(302, { location: 'http://elsewhere.test/api/test/clock' }).end();
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

describe('untracedFetch', () => {
  it('sends the method, headers and body, and answers the status, headers and body', async () => {
    const response = await untracedFetch()(`${origin}/api/test/organizations`, {
      method: 'POST',
      headers: { 'x-onbehalf-test-key': 'k', 'content-type': 'application/json' },
      body: '{"name":"Acme"}',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/api/test/organizations',
      headers: { 'x-onbehalf-test-key': 'k' },
      body: '{"name":"Acme"}',
    });
  });

  it('follows no redirect: the key never goes to another host', async () => {
    const before = seen.length;
    const response = await untracedFetch()(`${origin}/moved`, {
      headers: { 'x-onbehalf-test-key': 'k' },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('http://elsewhere.test/api/test/clock');
    expect(seen.length).toBe(before + 1);
  });

  it('gives up when its signal is aborted', async () => {
    await expect(
      untracedFetch()(`${origin}/api/test/clock`, { signal: AbortSignal.abort(new Error('gone')) }),
    ).rejects.toThrow('gone');
  });
});
