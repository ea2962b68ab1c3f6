import { createServer, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
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

/** What Node refuses before any request exists, as the catalogue names it. */
function clientErrorCode(error: NodeJS.ErrnoException) {
  if (error.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large' as const;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout' as const;
  return 'validation_failed' as const;
}

/**
 * Node's own refusals (bytes that are not HTTP, an unknown method, a bad chunk size, headers
 * too large, a request that trickles past its time) with the error envelope, where Node alone
 * writes a bare status line. A request whose body went wrong has reached the app, which may have
 * begun its answer: then the socket is closed instead, as Node does, not answered twice.
 */
function answerClientErrors(server: Server) {
  const answers = new WeakMap<Duplex, ServerResponse>();
  server.on('request', (request, response) => {
    answers.set(request.socket, response);
    response.once('close', () => answers.delete(request.socket));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || answers.get(socket)?.headersSent || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const code = clientErrorCode(error);
    const { status, message } = errorCatalogue[code];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\n` +
        `x-content-type-options: nosniff\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}

/**
 * The HTTP server `pnpm start` runs: the app behind Hono's Node adapter, the connection limits
 * of ADR 027, and the envelope for requests that never reach the app, or that Node refuses
 * itself. Not yet listening.
 */
export function createHttpServer(
  fetch: Fetch,
  limits: ConnectionLimits = CONNECTION_LIMITS,
): Server {
  const listener = getRequestListener(fetch, { errorHandler: unreachedAppError });
  const server = createServer(serverOptions(limits), listener);
  boundConnections(server, limits);
  answerClientErrors(server);
  return server;
}

/**
 * Why the server cannot listen, in one line naming the variable to change, where Node alone
 * throws an unhandled 'error' event and a stack trace: a port another process holds, one the
 * process may not open, a HOST that is not this machine's or does not resolve.
 */
export function listenFailure(
  error: NodeJS.ErrnoException,
  { host, port }: { host: string; port: number },
): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `PORT ${port} is taken on HOST ${host} (EADDRINUSE): another process listens there; stop it or choose another PORT`;
    case 'EACCES':
      return `PORT ${port} on HOST ${host} may not be opened by this process (EACCES): ports below 1024 need privileges; choose another PORT`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine (EADDRNOTAVAIL): set HOST to one of its addresses, e.g. 127.0.0.1 or 0.0.0.0`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST ${host} does not resolve to an address (${error.code}): set HOST to an address or a name this machine resolves`;
    default:
      return `Cannot listen on HOST ${host}, PORT ${port} (${error.code ?? error.message})`;
  }
}

/** Listens, or rejects with `listenFailure`'s line: the caller closes what the start opened. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) =>
      reject(new Error(listenFailure(error, { host, port })));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}
