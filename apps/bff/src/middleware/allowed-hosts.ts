import { isIPv4 } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Env } from '../env.ts';
import { AppError } from '../lib/errors.ts';
import { normaliseHostName as normalise, parseHostNames } from '../lib/host-names.ts';

/**
 * The host names this server answers for: PUBLIC_ORIGIN's, and each of ALLOWED_HOSTS (which
 * loadEnv has already refused to start on if any entry is not one).
 */
export function allowedHostNames(env: Pick<Env, 'PUBLIC_ORIGIN' | 'ALLOWED_HOSTS'>): Set<string> {
  return new Set([
    normalise(new URL(env.PUBLIC_ORIGIN).hostname),
    ...parseHostNames(env.ALLOWED_HOSTS),
  ]);
}

/**
 * Answers 421 to a request for a host this server is not (SPEC §8b): a DNS-rebinding page, or
 * a proxy or cache that forwards any Host it is sent. IP literals pass: they are how load
 * balancers, health checks and scrapers reach one instance, and no other site's page can send
 * one for us. The host is read from the request URL, which the Node adapter builds from the
 * Host header (or the absolute request target) after validating it.
 */
export function rejectForeignHosts(
  env: Pick<Env, 'PUBLIC_ORIGIN' | 'ALLOWED_HOSTS'>,
): MiddlewareHandler<AppEnv> {
  const allowed = allowedHostNames(env);
  return async (c, next) => {
    // The URL is normalised already (`scheme://host[:port]/…`): cheaper to slice than to parse.
    const url = c.req.url;
    const start = url.indexOf('//') + 2;
    const end = url.indexOf('/', start);
    const host = url.slice(start, end === -1 ? url.length : end);
    // A user part, which only an absolute request target can bring (`http://ours:x@theirs/`):
    // deprecated in HTTP URIs and an error to receive (RFC 9110 §4.2.4), and it hides the host.
    if (host.includes('@')) {
      throw new AppError('validation_failed', {
        message: 'The request target may not carry a user name or password.',
      });
    }
    if (host.startsWith('[')) return next(); // an IPv6 literal
    const colon = host.lastIndexOf(':');
    const hostname = normalise(colon === -1 ? host : host.slice(0, colon));
    if (allowed.has(hostname) || isIPv4(hostname)) return next();
    throw new AppError('misdirected_request');
  };
}
