import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { errorCatalogue } from '@onbehalf/contracts/errors';
import {
  boundConnections,
  CONNECTION_LIMITS,
  type ConnectionLimits,
  serverOptions,
} from './connections.ts';

type Fetch = Parameters<typeof getRequestListener>[0];

/**
 * The answer to a request that never reached the app: one Node parsed but no URL can be made
 * of (a Host header of `a b`, `[::1` or `é.test`, which the adapter refuses before the app runs),
 * or the adapter itself failing. The same envelope as every other error, where the adapter
 * alone would send a bare 400 or 500 with an empty body.
 */
function unreachedAppError(error: unknown): Response {
  const code =
    error instanceof Error && error.name === 'RequestError'
      ? 'validation_failed'
      : 'internal_error';
  const { status, message } = errorCatalogue[code];
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

/**
 * The HTTP server `pnpm start` runs: the app behind Hono's Node adapter, the connection limits
 * of ADR 027, and the envelope for requests that never reach the app. Not yet listening.
 */
export function createHttpServer(
  fetch: Fetch,
  limits: ConnectionLimits = CONNECTION_LIMITS,
): Server {
  const listener = getRequestListener(fetch, { errorHandler: unreachedAppError });
  const server = createServer(serverOptions(limits), listener);
  boundConnections(server, limits);
  return server;
}
