import { createRoute } from '@hono/zod-openapi';
import { signedInResponse } from '@onbehalf/contracts/auth';
import {
  createOneClickLinkBody,
  linkPreview,
  oneClickBody,
  oneClickLinkResponse,
  sentCredentialResponse,
} from '@onbehalf/contracts/login-links';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { getPrincipal } from '../../lib/principal.ts';
import { createRouter } from '../../lib/router.ts';
import { setSessionCookie, signedInBody } from '../../lib/session-cookie.ts';
import { ownSessionOnly, requirePermissionOrApiKey } from '../../middleware/require-permission.ts';
import { createOneClickLink, previewOneClick, redeemOneClick } from './one-click.service.ts';

const tags = ['One-click links'];

const createLinkRoute = createRoute({
  method: 'post',
  path: '/api/sys/one-click-links',
  tags,
  summary: 'Make a one-click sign-in link for a customer: emailed to them, or handed over',
  description:
    'delivery "email" (default): the server mails the link to the user and answers 202 with where it went, never the URL. delivery "handover": 201 with the URL. Handed over by an operator, the link is an impersonation by them (operator door rules, reason required) that only they can open, signed in; by an API key, it is an integration\'s (integrationsEnabled, no team rights).',
  middleware: [requirePermissionOrApiKey('one-click-links:create'), ownSessionOnly] as const,
  request: jsonBody(createOneClickLinkBody),
  responses: {
    201: jsonContent(oneClickLinkResponse, 'Handed over: the link, shown once'),
    202: jsonContent(sentCredentialResponse, 'Emailed to the user'),
    ...errorResponses(400, 401, 403, 404, 409, 503),
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
    ...errorResponses(400, 403, 410, 429),
  },
});

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
    c.json(await previewOneClick(c.get('deps'), c.req.valid('json'), c.get('meta')), 200),
  )
  .openapi(redeemRoute, async (c) => {
    const result = await redeemOneClick(
      c.get('deps'),
      c.get('auth'),
      c.req.valid('json'),
      c.get('meta'),
    );
    setSessionCookie(c, c.get('deps').env, result.token, result.expiresAt, result.cookie);
    return c.json(signedInBody(c, result), 200);
  });
