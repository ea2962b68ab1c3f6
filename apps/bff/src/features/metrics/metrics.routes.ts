import { createRouter } from '../../http/router.ts';
import { AppError } from '../../lib/errors.ts';
import { constantTimeEqual, sha256 } from '../../lib/tokens.ts';

/**
 * GET /metrics, the Prometheus exposition (SPEC §8b): off (404) unless METRICS_TOKEN is set,
 * then only for `Authorization: Bearer <METRICS_TOKEN>` (401 otherwise). The token is compared
 * through its hash, so the comparison takes the same time whatever its length or content, and a
 * wrong one is a guess, slowed down per address like a guessed link (ADR 016).
 */
export const metricsRoutes = createRouter().get('/metrics', async (c) => {
  const { env, metrics, limiters } = c.get('deps');
  if (!env.METRICS_TOKEN) throw new AppError('not_found');
  const presented = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
  const token = env.METRICS_TOKEN;
  const right = await limiters.guessing(
    c.get('meta').ip,
    async () => constantTimeEqual(sha256(presented), sha256(token)),
    (isRight) => !isRight,
  );
  if (!right) {
    c.header('WWW-Authenticate', 'Bearer');
    throw new AppError('unauthenticated');
  }
  c.header('Cache-Control', 'no-store');
  c.header('Content-Type', metrics.registry.contentType);
  return c.body(await metrics.registry.metrics(), 200);
});
