import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';

const jwksRoute = routeOf(routes['auth.jwks']);

export const jwksRoutes = createRouter().openapi(jwksRoute, async (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json({ keys: await c.get('deps').publishedKeys() }, 200);
});
