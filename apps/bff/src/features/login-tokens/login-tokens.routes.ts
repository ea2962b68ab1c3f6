import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { getPrincipal } from '../../http/principal.ts';
import { createRouter } from '../../http/router.ts';
import { setSignedInCookie, signedInBody } from '../../http/session-cookie.ts';
import { requirePermissionOrApiKey } from '../../middleware/require-permission.ts';
import {
  createLoginToken,
  deleteLoginToken,
  loginTokenDetails as detailsOf,
  listLoginTokens,
  previewLoginToken,
  redeemLoginToken,
  searchLoginTokenSubjects,
} from './login-tokens.service.ts';

const manage = requirePermissionOrApiKey('login-tokens:manage');

const listRoute = routeOf(routes['loginTokens.list'], { middleware: [manage] });

const createTokenRoute = routeOf(routes['loginTokens.create'], {
  middleware: [manage],
});

const subjectsRoute = routeOf(routes['loginTokens.subjects'], { middleware: [manage] });

const detailsRoute = routeOf(routes['loginTokens.details'], { middleware: [manage] });

const deleteRoute = routeOf(routes['loginTokens.remove'], { middleware: [manage] });

const previewRoute = routeOf(routes['links.previewLoginToken']);

const redeemRoute = routeOf(routes['links.redeemLoginToken']);

export const loginTokensRoutes = createRouter()
  .openapi(listRoute, async (c) =>
    c.json(await listLoginTokens(c.get('deps'), getPrincipal(c), c.req.valid('query')), 200),
  )
  .openapi(createTokenRoute, async (c) => {
    const created = await createLoginToken(
      c.get('deps'),
      getPrincipal(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return created.status === 201 ? c.json(created.body, 201) : c.json(created.body, 202);
  })
  .openapi(subjectsRoute, async (c) =>
    c.json(
      await searchLoginTokenSubjects(c.get('deps'), getPrincipal(c), c.req.valid('query').query),
      200,
    ),
  )
  .openapi(detailsRoute, async (c) =>
    c.json(
      await detailsOf(
        c.get('deps'),
        getPrincipal(c),
        c.req.valid('param').id,
        c.req.valid('query'),
      ),
      200,
    ),
  )
  .openapi(deleteRoute, async (c) => {
    await deleteLoginToken(c.get('deps'), getPrincipal(c), c.req.valid('param').id, c.get('meta'));
    return c.json({ ok: true as const }, 200);
  })
  .openapi(previewRoute, async (c) =>
    c.json(
      await previewLoginToken(
        c.get('deps'),
        c.get('auth'),
        c.req.valid('json').token,
        c.get('meta'),
      ),
      200,
    ),
  )
  .openapi(redeemRoute, async (c) => {
    const result = await redeemLoginToken(
      c.get('deps'),
      c.get('auth'),
      c.req.valid('json').token,
      c.get('meta'),
    );
    setSignedInCookie(c, c.get('deps').env, result.token, result.expiresAt, result.cookie);
    return c.json(signedInBody(c, result), 200);
  });
