import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../lib/errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser marks as coming from another site.
 * Hono's csrf() covers form-encoded bodies only; this covers JSON too, and the GET routes the
 * route table marks `crossSite: 'refused'` (those that mint credentials or write the audit
 * trail) opt in with `guardGet` (`sameSiteOnly`). Clients that send neither header (curl, SDKs)
 * are not browsers and carry no ambient cookie risk. See docs/decisions/006-csrf.md.
 */
export function rejectCrossSite(options: { guardGet?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method) || options.guardGet) {
      const site = c.req.header('sec-fetch-site');
      const origin = c.req.header('origin');
      const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
      // The request's own origin is accepted too: a browser's Origin cannot be forged by a
      // page on another site, and people reach the same server as localhost or 127.0.0.1.
      const foreignOrigin =
        origin !== undefined &&
        origin !== c.get('deps').env.PUBLIC_ORIGIN &&
        origin !== new URL(c.req.url).origin;
      if (crossSite || foreignOrigin) throw new AppError('csrf_rejected');
    }
    await next();
  };
}

/** A GET too: for the routes the table marks `crossSite: 'refused'` (http/openapi.ts). */
export const sameSiteOnly = rejectCrossSite({ guardGet: true });
