import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiError } from '@onbehalf/api-client/api-error';

/**
 * A `fetch` outside Playwright, for the test endpoints alone. Playwright records every request
 * of its own contexts, headers included, in traces and the HTML report: the test mode key sent
 * through one landed in every CI artifact a suite kept (found by a review). No redirect is
 * followed, so the key never goes to another host; `ignoreHTTPSErrors` is honoured as the
 * suite's own contexts honour it (a staging server's own certificate).
 */
export function untracedFetch(
  options: {
    ignoreHTTPSErrors?: boolean;
    /** A gate's HTTP Basic credentials (the suite's `httpCredentials` for this server). */
    httpCredentials?: { username: string; password: string } | undefined;
  } = {},
): typeof fetch {
  const gate = options.httpCredentials
    ? `Basic ${Buffer.from(`${options.httpCredentials.username}:${options.httpCredentials.password}`).toString('base64')}`
    : undefined;
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
          headers: {
            ...(gate ? { authorization: gate } : {}),
            ...Object.fromEntries(new Headers(init.headers).entries()),
          },
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

/**
 * The test endpoints' answers a suite cannot go on from, said as what to fix, naming the
 * server: not in test mode, a key missing or wrong, nothing answering (found by a review: the
 * kit said only "Not found." or "The server could not be reached."). They are the typed client's
 * own errors, which it passes on as they are (status and code as the server's, the message
 * what to fix).
 */
export function explainedTestFetch(
  server: string,
  send: typeof fetch,
  { keySent = false }: { keySent?: boolean } = {},
): typeof fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await send(input, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      throw new ApiError(
        0,
        'network_error',
        `@onbehalf/testing: ${server} could not be reached (${(error as Error).message}). Is it running, and is Playwright's baseURL its address?`,
        [],
        null,
        { cause: error },
      );
    }
    if (response.status === 404) {
      throw new ApiError(
        404,
        'not_found',
        `@onbehalf/testing: ${server} has no test endpoints (404): start it with ONBEHALF_TEST_MODE=1 (refused with NODE_ENV=production).`,
      );
    }
    if (response.status === 401) {
      const testMode = (await response.clone().text()).includes('test_key_required');
      throw new ApiError(
        401,
        testMode ? 'test_key_required' : 'unexpected_response',
        !testMode
          ? `@onbehalf/testing: ${server} refused the test endpoints (401) before test mode could answer: a gate in front of it? Give the suite its credentials (test.use({ httpCredentials })).`
          : keySent
            ? `@onbehalf/testing: ${server} refused the test mode key the suite sent: it is not the server's ONBEHALF_TEST_MODE_KEY (check the suite's ONBEHALF_TEST_MODE_KEY, or test.use({ testModeKey })).`
            : `@onbehalf/testing: ${server} asks for its test mode key and was not sent it: set ONBEHALF_TEST_MODE_KEY in the suite's environment to the server's (or test.use({ testModeKey })).`,
      );
    }
    return response;
  };
}
