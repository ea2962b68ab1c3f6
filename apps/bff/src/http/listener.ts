import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
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
 * begun its answer: then the socket is closed instead, as Node does, not answered twice. Bytes
 * refused after a whole request (pipelined behind it, or sent after its `Connection: close`)
 * are answered after that request's own answer, which the client is owed first (RFC 9112 §9.3).
 */
function answerClientErrors(server: Server) {
  const inFlight = new WeakMap<Duplex, { request: IncomingMessage; response: ServerResponse }>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    inFlight.set(request.socket, { request, response });
    response.once('close', () => inFlight.delete(request.socket));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const pending = inFlight.get(socket);
    if (pending?.request.complete) {
      // Not this request's bytes: its answer goes first, then the refusal if the socket is open.
      pending.response.once('close', () => refuse(error, socket));
      return;
    }
    if (pending?.response.headersSent) {
      socket.destroy();
      return;
    }
    refuse(error, socket);
  });
}

function refuse(error: NodeJS.ErrnoException, socket: Duplex) {
  if (!socket.writable || error.code === 'ECONNRESET') {
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
}

/**
 * A request naming its host twice (RFC 9112 §3.2: a 400). Node keeps the first `Host` and the
 * adapter builds the URL from it, while a proxy or cache in front may have read another.
 */
function hostTwice(request: IncomingMessage): boolean {
  let hosts = 0;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.length === 4 && raw[i]?.toLowerCase() === 'host') hosts += 1;
  }
  return hosts > 1;
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
  const app = getRequestListener(fetch, { errorHandler: unreachedAppError });
  const server = createServer(serverOptions(limits), (request, response) => {
    if (!hostTwice(request)) return app(request, response);
    response.writeHead(errorCatalogue.validation_failed.status, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'close',
    });
    const message = 'The request names its host twice.';
    response.end(JSON.stringify({ error: { code: 'validation_failed', message } }));
  });
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
