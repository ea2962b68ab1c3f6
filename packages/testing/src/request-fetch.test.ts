import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type APIRequestContext, type APIResponse, request as playwright } from '@playwright/test';
import { describe, expect, it } from 'vitest';
import { requestFetch } from './request-fetch.ts';

/** A request context whose fetches fail or answer as scripted, recording what was sent. */
function scripted(outcomes: (Error | { status: number; body: string })[]) {
  const sent: { url: string; method: string | undefined }[] = [];
  const request = {
    fetch: async (url: string, options: { method?: string }) => {
      sent.push({ url, method: options.method });
      const outcome = outcomes.shift();
      if (!outcome) throw new Error('No more answers were scripted.');
      if (outcome instanceof Error) throw outcome;
      return {
        status: () => outcome.status,
        body: async () => Buffer.from(outcome.body),
        headersArray: () => [{ name: 'content-type', value: 'application/json' }],
      } as unknown as APIResponse;
    },
  } as unknown as APIRequestContext;
  return { request, sent };
}

describe('requestFetch', () => {
  it('sends a request again once when it met a kept-alive connection the server had closed', async () => {
    const { request, sent } = scripted([
      new Error('apiRequestContext.fetch: read ECONNRESET'),
      { status: 200, body: '{"ok":true}' },
    ]);
    const response = await requestFetch(request)('http://server.test/api/health', {
      method: 'POST',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(sent).toEqual([
      { url: 'http://server.test/api/health', method: 'POST' },
      { url: 'http://server.test/api/health', method: 'POST' },
    ]);
  });

  it('does not hide other failures, nor a connection that fails twice', async () => {
    const refused = scripted([new Error('apiRequestContext.fetch: connect ECONNREFUSED')]);
    await expect(requestFetch(refused.request)('http://server.test/')).rejects.toThrow(
      /ECONNREFUSED/,
    );
    expect(refused.sent).toHaveLength(1);

    const twice = scripted([new Error('socket hang up'), new Error('read ECONNRESET')]);
    await expect(requestFetch(twice.request)('http://server.test/')).rejects.toThrow(/ECONNRESET/);
    expect(twice.sent).toHaveLength(2);
  });

  it('follows no redirect: what it sends (a session, the test clock) never goes to another host', async () => {
    const reached: IncomingHttpHeaders[] = [];
    const elsewhere = createServer((incoming, answer) => {
      reached.push(incoming.headers);
      answer.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const there = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/moved-here`;
    const server = createServer((_, answer) => {
      answer.writeHead(302, { location: there }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // A real request context, as the kit's fixtures are given: Playwright follows redirects
    // unless told not to.
    const context = await playwright.newContext();
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/session`;
      const response = await requestFetch(context)(url, {
        headers: { authorization: 'Bearer secret-session', 'x-onbehalf-test-clock': 'qa-1' },
      });
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toBe(there);
      expect(reached).toEqual([]);
    } finally {
      await context.dispose();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => elsewhere.close(() => resolve()));
    }
  });
});
