import { createRoute } from '@hono/zod-openapi';
import { okResponse, signedInResponse } from '@onbehalf/contracts/auth';
import {
  createdLoginToken,
  createLoginTokenBody,
  linkPreview,
  loginTokenDetails,
  loginTokenIdParam,
  loginTokenList,
  loginTokensQuery,
  redeemLoginTokenBody,
  sentLoginToken,
  subjectCandidates,
  subjectSearchQuery,
} from '@onbehalf/contracts/login-links';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { getPrincipal } from '../../lib/principal.ts';
import { createRouter } from '../../lib/router.ts';
import { setSessionCookie, signedInBody } from '../../lib/session-cookie.ts';
import { ownSessionOnly, requirePermissionOrApiKey } from '../../middleware/require-permission.ts';
import {
  createLoginToken,
  deleteLoginToken,
  loginTokenDetails as detailsOf,
  listLoginTokens,
  previewLoginToken,
  redeemLoginToken,
  searchLoginTokenSubjects,
} from './login-tokens.service.ts';

const tags = ['Login tokens'];
const manage = requirePermissionOrApiKey('login-tokens:manage');

const listRoute = createRoute({
  method: 'get',
  path: '/api/sys/login-tokens',
  tags,
  summary: 'Login tokens, searchable and filterable by state',
  middleware: [manage] as const,
  request: { query: loginTokensQuery },
  responses: { 200: jsonContent(loginTokenList, 'Tokens'), ...errorResponses(400, 401, 403) },
});

const createTokenRoute = createRoute({
  method: 'post',
  path: '/api/sys/login-tokens',
  tags,
  summary: 'New Login Token: for a contact/customer profile or an anonymous guest',
  middleware: [manage, ownSessionOnly] as const,
  request: jsonBody(createLoginTokenBody),
  responses: {
    201: jsonContent(createdLoginToken, 'Handed over: the token and URL, shown once'),
    202: jsonContent(sentLoginToken, 'Emailed to the person (use "email"): never the token'),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const subjectsRoute = createRoute({
  method: 'get',
  path: '/api/sys/login-tokens/subjects',
  tags,
  summary: 'Search contacts and customers by name or email for a new token',
  middleware: [manage] as const,
  request: { query: subjectSearchQuery },
  responses: {
    200: jsonContent(subjectCandidates, 'Candidates'),
    ...errorResponses(400, 401, 403),
  },
});

const detailsRoute = createRoute({
  method: 'get',
  path: '/api/sys/login-tokens/{id}',
  tags,
  summary: 'A token with its usage statistics and every attempt',
  middleware: [manage] as const,
  request: { params: loginTokenIdParam },
  responses: {
    200: jsonContent(loginTokenDetails, 'Details'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/api/sys/login-tokens/{id}',
  tags,
  summary: 'Delete a token (irrecoverable; the audit trail keeps the record)',
  middleware: [manage, ownSessionOnly] as const,
  request: { params: loginTokenIdParam },
  responses: { 200: jsonContent(okResponse, 'Deleted'), ...errorResponses(400, 401, 403, 404) },
});

const previewRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/login-token/preview',
  tags,
  summary: 'Whose account a login token opens, and whether it works (does not redeem)',
  request: jsonBody(redeemLoginTokenBody),
  responses: { 200: jsonContent(linkPreview, 'Preview'), ...errorResponses(400, 429) },
});

const redeemRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/login-token',
  tags,
  summary: 'Redeem a login token and sign in (a guest session for an anonymous token)',
  request: jsonBody(redeemLoginTokenBody),
  responses: {
    200: jsonContent(signedInResponse, 'Signed in'),
    ...errorResponses(400, 403, 410, 429),
  },
});

export const loginTokensRoutes = createRouter()
  .openapi(listRoute, (c) => {
    return c.json(listLoginTokens(c.get('deps'), getPrincipal(c), c.req.valid('query')), 200);
  })
  .openapi(createTokenRoute, async (c) => {
    const created = await createLoginToken(
      c.get('deps'),
      getPrincipal(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return created.status === 201 ? c.json(created.body, 201) : c.json(created.body, 202);
  })
  .openapi(subjectsRoute, (c) =>
    c.json(
      searchLoginTokenSubjects(c.get('deps'), getPrincipal(c), c.req.valid('query').query),
      200,
    ),
  )
  .openapi(detailsRoute, (c) =>
    c.json(detailsOf(c.get('deps'), getPrincipal(c), c.req.valid('param').id), 200),
  )
  .openapi(deleteRoute, (c) => {
    deleteLoginToken(c.get('deps'), getPrincipal(c), c.req.valid('param').id, c.get('meta'));
    return c.json({ ok: true as const }, 200);
  })
  .openapi(previewRoute, async (c) =>
    c.json(await previewLoginToken(c.get('deps'), c.req.valid('json').token, c.get('meta')), 200),
  )
  .openapi(redeemRoute, async (c) => {
    const result = await redeemLoginToken(
      c.get('deps'),
      c.get('auth'),
      c.req.valid('json').token,
      c.get('meta'),
    );
    setSessionCookie(c, c.get('deps').env, result.token, result.expiresAt, result.cookie);
    return c.json(signedInBody(c, result), 200);
  });
