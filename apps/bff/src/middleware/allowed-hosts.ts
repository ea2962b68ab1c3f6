import { isIPv4 } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import type { Env } from '../env.ts';
import { AppError } from '../lib/errors.ts';

/** A host name as the request URL spells it: lower case, punycode, no trailing dot. */
function normalise(hostname: string): string {
  return hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
}

/** The host names this server answers for: PUBLIC_ORIGIN's, and each of ALLOWED_HOSTS. */
export function allowedHostNames(env: Pick<Env, 'PUBLIC_ORIGIN' | 'ALLOWED_HOSTS'>): Set<string> {
  const names = new Set([normalise(new URL(env.PUBLIC_ORIGIN).hostname)]);
  for (const entry of env.ALLOWED_HOSTS.split(',')) {
    const name = entry.trim();
    if (!name) continue;
    let parsed: URL;
    try {
      // Through the URL parser, so an entry is compared as a request's host will be.
      parsed = new URL(`http://${name}`);
    } catch {
      throw new Error(`ALLOWED_HOSTS: "${name}" is not a host name`);
    }
    names.add(normalise(parsed.hostname));
  }
  return names;
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
    if (host.startsWith('[')) return next(); // an IPv6 literal
    const colon = host.lastIndexOf(':');
    const hostname = normalise(colon === -1 ? host : host.slice(0, colon));
    if (allowed.has(hostname) || isIPv4(hostname)) return next();
    throw new AppError('misdirected_request');
  };
}
