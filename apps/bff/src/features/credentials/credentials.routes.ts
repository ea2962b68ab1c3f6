import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  credentialsMadeFor,
  integrationAccess,
  revokeCredentialMadeFor,
} from './credentials.service.ts';

const listRoute = routeOf(routes['account.credentials'], {
  middleware: [requireSession],
});

const integrationsRoute = routeOf(routes['account.integrationAccess'], {
  middleware: [requireSession],
});

const revokeRoute = routeOf(routes['account.revokeCredential'], {
  middleware: [requireSession],
});

export const credentialsRoutes = createRouter()
  .openapi(listRoute, async (c) =>
    c.json(await credentialsMadeFor(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(integrationsRoute, async (c) =>
    c.json(await integrationAccess(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(revokeRoute, async (c) => {
    await revokeCredentialMadeFor(c.get('deps'), getAuth(c), c.req.valid('param'), c.get('meta'));
    return c.json({ ok: true as const }, 200);
  });
