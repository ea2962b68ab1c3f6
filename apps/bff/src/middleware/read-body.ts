import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler, Next } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../lib/errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads a request body straight from Node's socket stream, within the size limit, and hands
 * the text to Hono's body cache (where the validators read it). Going through the adapter's
 * web `Request` instead costs a full Request object and a web stream per POST, several times
 * the work of the redemption itself. Requests without a Node stream (in-process tests) use
 * Hono's own body limit. See docs/decisions/009-performance.md.
 */
export function readBody(
  maxBytes: number,
  fallback: MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const declared = Number(c.req.header('content-length'));
    if (declared > maxBytes) throw new AppError('payload_too_large');
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (!incoming || incoming.readableEnded) return fallback(c, next);
    // Neither a length nor chunks: HTTP/1.1 says there is no body (RFC 9112 §6.3). Nothing to
    // wait for, so no stream to iterate (a POST that only names its target, like leave).
    if (!declared && c.req.header('transfer-encoding') === undefined) {
      return withBody(c, '', next);
    }

    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of incoming as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw new AppError('payload_too_large');
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      // The stream failed: the client broke the body off, or sent a chunk Node could not parse
      // (which Node answers itself). Node's error says ECONNRESET, which the app would otherwise
      // take for a lost database (a 503 and a warning that it is unreachable).
      throw bodyCutOff();
    }
    await withBody(c, Buffer.concat(chunks).toString('utf8'), next);
  };
}

function bodyCutOff() {
  return new AppError('validation_failed', {
    message: 'The request body ended before it was whole.',
  });
}

function withBody(c: Context<AppEnv>, text: string, next: Next) {
  // Hono keeps pending bodies as promises in this cache; its typing says otherwise.
  (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(text);
  return next();
}
