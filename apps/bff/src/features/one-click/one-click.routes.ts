import { createRoute } from '@hono/zod-openapi';
import { signedInResponse } from '@onbehalf/contracts/auth';
import {
  createOneClickLinkBody,
  linkPreview,
  oneClickBody,
  oneClickLinkResponse,
} from '@onbehalf/contracts/login-links';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { getPrincipal } from '../../lib/principal.ts';
import { createRouter } from '../../lib/router.ts';
import { setSessionCookie, signedInBody } from '../../lib/session-cookie.ts';
import { requirePermissionOrApiKey } from '../../middleware/require-permission.ts';
import { createOneClickLink, previewOneClick, redeemOneClick } from './one-click.service.ts';

const tags = ['One-click links'];

const createLinkRoute = createRoute({
  method: 'post',
  path: '/api/sys/one-click-links',
  tags,
  summary: 'Issue a one-click login link for a customer (operator or API key)',
  middleware: [requirePermissionOrApiKey('one-click-links:create')] as const,
  request: jsonBody(createOneClickLinkBody),
  responses: {
    201: jsonContent(oneClickLinkResponse, 'The link, shown once'),
    ...errorResponses(400, 401, 403, 404, 409),
  },
});

const previewRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/one-click/preview',
  tags,
  summary: 'Whose account a link opens, and whether it still works (does not redeem)',
  request: jsonBody(oneClickBody),
  responses: { 200: jsonContent(linkPreview, 'Preview'), ...errorResponses(400, 429) },
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/one-click',
  tags,
  summary: 'Redeem a one-click link (single use) and sign in',
  request: jsonBody(oneClickBody),
  responses: {
    200: jsonContent(signedInResponse, 'Signed in'),
    ...errorResponses(400, 403, 429),
    410: jsonContent(linkPreview.partial(), 'Expired, used or withdrawn'),
  },
});

export const oneClickRoutes = createRouter()
  .openapi(createLinkRoute, (c) =>
    c.json(
      createOneClickLink(c.get('deps'), getPrincipal(c), c.req.valid('json'), c.get('meta')),
      201,
    ),
  )
  .openapi(previewRoute, async (c) =>
    c.json(await previewOneClick(c.get('deps'), c.req.valid('json'), c.get('meta')), 200),
  )
  .openapi(redeemRoute, async (c) => {
    const result = await redeemOneClick(
      c.get('deps'),
      c.get('auth'),
      c.req.valid('json'),
      c.get('meta'),
    );
    setSessionCookie(c, c.get('deps').env, result.token, result.expiresAt);
    return c.json(signedInBody(c, result), 200);
  });
