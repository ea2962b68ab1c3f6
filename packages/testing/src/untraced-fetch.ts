import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * A `fetch` outside Playwright, for the test endpoints alone. Playwright records every request
 * of its own contexts, headers included, in traces and the HTML report: the test mode key sent
 * through one landed in every CI artifact a suite kept (found by a review). No redirect is
 * followed, so the key never goes to another host; `ignoreHTTPSErrors` is honoured as the
 * suite's own contexts honour it (a staging server's own certificate).
 */
export function untracedFetch(options: { ignoreHTTPSErrors?: boolean } = {}): typeof fetch {
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(
        typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      );
      const secure = url.protocol === 'https:';
      const outgoing = (secure ? httpsRequest : httpRequest)(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          ...(secure && options.ignoreHTTPSErrors ? { rejectUnauthorized: false } : {}),
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => resolve(responseOf(incoming, Buffer.concat(chunks))));
        },
      );
      outgoing.on('error', reject);
      const signal = init.signal;
      if (signal) {
        if (signal.aborted) outgoing.destroy(signal.reason as Error);
        signal.addEventListener('abort', () => outgoing.destroy(signal.reason as Error), {
          once: true,
        });
      }
      if (typeof init.body === 'string') outgoing.write(init.body);
      outgoing.end();
    });
}

function responseOf(incoming: IncomingMessage, body: Buffer): Response {
  const status = incoming.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      headers.append(name, one);
    }
  }
  return new Response(status === 204 || status === 304 ? null : new Uint8Array(body), {
    status,
    headers,
  });
}
