import { createRoute, z } from '@hono/zod-openapi';
import { unappliedMigrations } from '../../db/client.ts';
import { AppError } from '../../lib/errors.ts';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';

const tags = ['Health'];
const ok = z.object({ ok: z.literal(true) });

const healthRoute = createRoute({
  method: 'get',
  path: '/api/health',
  tags,
  summary: 'Liveness; does no work (the benchmark calibrates against it)',
  responses: { 200: jsonContent(ok, 'Alive') },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/api/health/ready',
  tags,
  summary: 'Readiness: the database answers and every migration bundled with this code is applied',
  responses: {
    200: jsonContent(ok, 'Ready for traffic'),
    ...errorResponses(503),
  },
});

export const healthRoutes = createRouter()
  .openapi(healthRoute, (c) => c.json({ ok: true as const }, 200))
  .openapi(readyRoute, (c) => {
    const { db, logger } = c.get('deps');
    let unapplied: number;
    try {
      unapplied = unappliedMigrations(db);
    } catch (error) {
      logger.warn({ err: error }, 'not ready: the database does not answer');
      throw new AppError('not_ready', { message: 'The database does not answer.' });
    }
    if (unapplied > 0) {
      throw new AppError('not_ready', {
        message: `${unapplied} database migration(s) of this version are not applied yet.`,
      });
    }
    return c.json({ ok: true as const }, 200);
  });
