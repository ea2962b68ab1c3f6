import type { APIRequestContext } from '@playwright/test';

/**
 * A `fetch` that goes through a Playwright request context: the typed client runs on it, and
 * what it signs in lands in that context's cookie jar, shared with its pages (`page.request`).
 */
export function requestFetch(request: APIRequestContext): typeof fetch {
  return async (input, init = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const headers = new Headers(init.headers);
    const response = await request.fetch(url, {
      method: init.method ?? 'GET',
      headers: Object.fromEntries(headers.entries()),
      ...(typeof init.body === 'string' ? { data: init.body } : {}),
      maxRedirects: 0,
    });
    const status = response.status();
    const body = status === 204 || status === 304 ? null : new Uint8Array(await response.body());
    return new Response(body, {
      status,
      headers: response.headersArray().map((h): [string, string] => [h.name, h.value]),
    });
  };
}
