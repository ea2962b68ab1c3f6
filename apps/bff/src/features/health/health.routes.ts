import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { assertReady } from './health.service.ts';

const healthRoute = routeOf(routes['health.live']);
const readyRoute = routeOf(routes['health.ready']);

export const healthRoutes = createRouter()
  .openapi(healthRoute, (c) => c.json({ ok: true as const }, 200))
  .openapi(readyRoute, async (c) => {
    await assertReady(c.get('deps'));
    return c.json({ ok: true as const }, 200);
  });
