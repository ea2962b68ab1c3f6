import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import { createTestApp, ORIGIN } from '../test/harness.ts';
import { allowedHostNames } from './allowed-hosts.ts';

const t = await createTestApp({
  env: { ALLOWED_HOSTS: 'api.portal.test, Other.Example:8443 ,' },
});

async function statusAt(origin: string, path = '/api/health') {
  const res = await t.app.request(`${origin}${path}`);
  return { status: res.status, json: (await res.json()) as { error?: { code: string } } };
}

describe('requests for a host this server is not', () => {
  it('are answered 421 with the error envelope, before any work', async () => {
    const res = await t.app.request('http://evil.test/api/public/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@acme.test', password: 'whatever' }),
    });
    expect(res.status).toBe(421);
    expect(await res.json()).toMatchObject({
      error: { code: 'misdirected_request', message: expect.any(String) },
    });
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    for (const host of ['http://portal.test.evil.test', 'http://test', 'http://localhost:3000']) {
      expect((await statusAt(host)).status, host).toBe(421);
    }
  });

  it("are served for PUBLIC_ORIGIN's host on any port, and for each ALLOWED_HOSTS entry", async () => {
    for (const origin of [
      ORIGIN,
      'http://PORTAL.test:8080',
      'http://portal.test.',
      'https://api.portal.test',
      'http://other.example',
    ]) {
      expect((await statusAt(origin)).status, origin).toBe(200);
    }
  });

  it('are served for IP literals, v4 and v6, with or without a port', async () => {
    for (const origin of [
      'http://127.0.0.1',
      'http://10.1.2.3:3000',
      'http://[::1]',
      'http://[2001:db8::1]:3000',
    ]) {
      expect((await statusAt(origin)).status, origin).toBe(200);
    }
  });

  it('is decided on the Host header of a real request', async () => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', path: '/api/health', headers: { host } });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('evil.test')).toBe(421);
      expect(await get(`portal.test:${port}`)).toBe(200);
      expect(await get(`127.0.0.1:${port}`)).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the host names answered for', () => {
  it('include localhost when PUBLIC_ORIGIN is left to its default, as for `pnpm start`', () => {
    const env = loadEnv({ NODE_ENV: 'development', PORT: '3000' });
    expect([...allowedHostNames(env)]).toEqual(['localhost']);
  });
});
