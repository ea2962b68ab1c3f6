import type { APIRequestContext } from '@playwright/test';

/**
 * A kept-alive connection the server closed as idle (Node closes them after 5 s, proxies after
 * their own timeout) just as a request went out on it: the server never read that request.
 */
const STALE_CONNECTION = /ECONNRESET|EPIPE|socket hang up/;

/**
 * A `fetch` that goes through a Playwright request context: the typed client runs on it, and
 * what it signs in lands in that context's cookie jar, shared with its pages (`page.request`).
 * A request that met a stale kept-alive connection is sent once more on a new one, as browsers
 * do; a test that waits longer than the server's keep-alive between two calls would otherwise
 * fail now and then for no reason of its own.
 */
export function requestFetch(request: APIRequestContext): typeof fetch {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const options = {
      method: init.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      ...(typeof init.body === 'string' ? { data: init.body } : {}),
      maxRedirects: 0,
    };
    const response = await request
      .fetch(url, options)
      .catch((error: unknown) =>
        STALE_CONNECTION.test(String(error)) ? request.fetch(url, options) : Promise.reject(error),
      );
    const status = response.status();
    const body = status === 204 || status === 304 ? null : new Uint8Array(await response.body());
    return new Response(body, {
      status,
      headers: response.headersArray().map((h): [string, string] => [h.name, h.value]),
    });
  };
}
