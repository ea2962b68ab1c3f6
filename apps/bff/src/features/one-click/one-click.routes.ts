import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { getPrincipal } from '../../http/principal.ts';
import { createRouter } from '../../http/router.ts';
import { setSignedInCookie, signedInBody } from '../../http/session-cookie.ts';
import { requirePermissionOrApiKey } from '../../middleware/require-permission.ts';
import { createOneClickLink, previewOneClick, redeemOneClick } from './one-click.service.ts';

const createLinkRoute = routeOf(routes['sys.oneClickLink'], {
  middleware: [requirePermissionOrApiKey('one-click-links:create')],
});

const previewRoute = routeOf(routes['links.previewOneClick']);

const redeemRoute = routeOf(routes['links.redeemOneClick']);

export const oneClickRoutes = createRouter()
  .openapi(createLinkRoute, async (c) => {
    const created = await createOneClickLink(
      c.get('deps'),
      getPrincipal(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return created.status === 201 ? c.json(created.body, 201) : c.json(created.body, 202);
  })
  .openapi(previewRoute, async (c) =>
    c.json(
      await previewOneClick(c.get('deps'), c.get('auth'), c.req.valid('json'), c.get('meta')),
      200,
    ),
  )
  .openapi(redeemRoute, async (c) => {
    const result = await redeemOneClick(
      c.get('deps'),
      c.get('auth'),
      c.req.valid('json'),
      c.get('meta'),
    );
    setSignedInCookie(c, c.get('deps').env, result.token, result.expiresAt, result.cookie);
    return c.json(signedInBody(c, result), 200);
  });
