import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service.ts';

const manage = [requirePermission('api-keys:manage')];

const listRoute = routeOf(routes['apiKeys.list'], { middleware: manage });

const createKeyRoute = routeOf(routes['apiKeys.create'], { middleware: manage });

const revokeRoute = routeOf(routes['apiKeys.revoke'], { middleware: manage });

export const apiKeysRoutes = createRouter()
  .openapi(listRoute, async (c) =>
    c.json(await listApiKeys(c.get('deps'), c.req.valid('query')), 200),
  )
  .openapi(createKeyRoute, async (c) =>
    c.json(await createApiKey(c.get('deps'), getAuth(c), c.req.valid('json'), c.get('meta')), 201),
  )
  .openapi(revokeRoute, async (c) => {
    await revokeApiKey(c.get('deps'), getAuth(c), c.req.valid('param').id, c.get('meta'));
    return c.json({ ok: true as const }, 200);
  });
