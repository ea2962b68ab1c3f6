import type { ServerOptions } from 'node:http';
import type { Server } from 'node:net';

/**
 * How long and how many connections the HTTP server keeps for clients that have not finished
 * asking (SPEC §8b). Node's defaults wait 60 s for a request's headers and 300 s for the whole
 * request, with no bound on connections: a client that opens thousands of connections and
 * trickles its headers (slowloris) holds a socket and a parser each for minutes. Our requests are
 * small JSON bodies (64 KiB at most), sent at once; an export is long in its answer, which
 * these do not bound.
 */
export const CONNECTION_LIMITS = {
  /** A request's headers, from its first byte. */
  headersTimeoutMs: 15_000,
  /** A whole request, body included. */
  requestTimeoutMs: 30_000,
  /** How often Node looks for connections past those two. */
  checkEveryMs: 5_000,
  /** Connections at once; one more is closed as it arrives. */
  maxConnections: 10_000,
};

export type ConnectionLimits = typeof CONNECTION_LIMITS;

/** The options `http.createServer` takes for these limits (`serve({ serverOptions })`). */
export function serverOptions(limits: ConnectionLimits = CONNECTION_LIMITS): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: limits.checkEveryMs,
    // An HTTP/1.1 request without Host is refused by the adapter with the error envelope
    // (http/listener.ts), as one of HTTP/1.0 is; Node's own check answers a bare 400.
    requireHostHeader: false,
  };
}

/** The bound on connections at once, which is the listening server's, not an option. */
export function boundConnections(server: Server, limits: ConnectionLimits = CONNECTION_LIMITS) {
  server.maxConnections = limits.maxConnections;
  return server;
}
