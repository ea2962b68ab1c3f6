import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppDeps, AppEnv } from '../app-env.ts';

/**
 * Observes every request as its answer is ready: counts it for /metrics (lib/metrics.ts) and
 * writes its one JSON log line (SPEC §8b): the server's request id, the client's X-Request-Id
 * apart as `clientRequestId`, the route pattern (never the raw path, which can hold a secret
 * such as a hand-off token), method, status, duration, error code, and who: the user, the
 * actor and impersonation when someone acts on another's behalf, the API key. Never a header,
 * cookie or body.
 *
 * Registered right after the request id, outside the commit-group wait, so the duration
 * includes the wait for the commit that holds the request's writes. Kept cheap: every request
 * pays for it, including the calibration route of the benchmark.
 */
export function observeRequests(
  deps: Pick<AppDeps, 'logger' | 'metrics' | 'env'>,
): MiddlewareHandler<AppEnv> {
  const { logger, metrics } = deps;
  // Behind a proxy that is not trusted, every client shares the proxy's address: said once.
  let watchForwarding = deps.env.TRUST_PROXY === 0;
  return async (c, next) => {
    const started = performance.now();
    await next();
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    if (watchForwarding && c.req.header('x-forwarded-for') !== undefined) {
      watchForwarding = false;
      logger.warn(
        'Requests carry X-Forwarded-For but TRUST_PROXY=0: every client behind the proxy shares its address for rate limits and the audit trail. Set TRUST_PROXY to the number of proxies in front of the server.',
      );
    }
    const status = c.res.status;
    const route = routePath(c);
    const code = c.get('errorCode');
    metrics.request(c.req.method, route, status, durationMs, code);
    const level = status >= 500 ? 'error' : 'info';
    if (!logger.isLevelEnabled(level)) return;
    const auth = c.get('auth');
    const impersonation = auth?.impersonation;
    logger[level](
      {
        requestId: c.get('requestId'),
        clientRequestId: c.get('meta')?.clientRequestId ?? undefined,
        method: c.req.method,
        route,
        status,
        durationMs,
        code,
        userId: auth?.user?.id,
        actorUserId: impersonation?.actorUser.id,
        impersonationId: impersonation?.row.id,
        apiKeyId: c.get('apiKey')?.id,
      },
      'request',
    );
  };
}
