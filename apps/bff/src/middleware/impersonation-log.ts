import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/**
 * Every request made while impersonating is attributed to both people (SPEC §4 rule 9):
 * mutations through their audit events, every request through its request log line (user,
 * actor and impersonation ids: middleware/request-log.ts) and this response header.
 */
export const attributeImpersonatedRequests: MiddlewareHandler<AppEnv> = (c, next) => {
  const impersonation = c.get('auth')?.impersonation;
  if (impersonation) c.header('X-Impersonation-Id', impersonation.row.id);
  return next();
};
