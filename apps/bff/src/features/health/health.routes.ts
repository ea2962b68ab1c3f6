import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { AppError } from '../../lib/errors.ts';
import { unappliedMigrations } from '../../store/sqlite/client.ts';

const healthRoute = routeOf(routes['health.live']);
const readyRoute = routeOf(routes['health.ready']);

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
