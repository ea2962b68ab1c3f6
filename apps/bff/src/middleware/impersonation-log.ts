import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/**
 * Every request made while impersonating is attributed to both people (SPEC §4 rule 9):
 * mutations through their audit events, every request through this log line and the
 * response header. The path is logged without its parameters' secrets: only the route.
 */
export const attributeImpersonatedRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
  const impersonation = c.get('auth')?.impersonation;
  if (!impersonation) return next();
  c.header('X-Impersonation-Id', impersonation.row.id);
  await next();
  console.log(
    JSON.stringify({
      msg: 'impersonated request',
      requestId: c.get('requestId'),
      impersonationId: impersonation.row.id,
      actorUserId: impersonation.actorUser.id,
      subjectUserId: c.get('auth')?.user?.id ?? null,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
    }),
  );
};
