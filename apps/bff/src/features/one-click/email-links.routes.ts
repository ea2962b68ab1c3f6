import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { getPrincipal } from '../../http/principal.ts';
import { createRouter } from '../../http/router.ts';
import {
  requirePermission,
  requirePermissionOrApiKey,
} from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  emailLinkFromSupport,
  provisionUser,
  requestSelfServiceLink,
} from './email-links.service.ts';

const selfServiceRoute = routeOf(routes['links.requestEmailLink']);

const supportRoute = routeOf(routes['sys.emailSignInLink'], {
  middleware: [requirePermission('one-click-links:create')],
});

const provisionRoute = routeOf(routes['sys.provisionUser'], {
  middleware: [requirePermissionOrApiKey('users:provision')],
});

export const emailLinksRoutes = createRouter()
  .openapi(selfServiceRoute, async (c) =>
    c.json(
      await requestSelfServiceLink(c.get('deps'), c.req.valid('json').email, c.get('meta')),
      202,
    ),
  )
  .openapi(supportRoute, async (c) => {
    const sent = await emailLinkFromSupport(
      c.get('deps'),
      getAuth(c),
      c.req.valid('param').id,
      c.req.valid('json').reason,
      c.get('meta'),
    );
    return c.json(sent, 200);
  })
  .openapi(provisionRoute, async (c) => {
    const result = await provisionUser(
      c.get('deps'),
      getPrincipal(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return result.status === 201 ? c.json(result.body, 201) : c.json(result.body, 200);
  });
