import type { APIRequestContext, APIResponse } from '@playwright/test';
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
});
