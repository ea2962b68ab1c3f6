import { createRoute } from '@hono/zod-openapi';
import { okResponse } from '@onbehalf/contracts/auth';
import { accountCredentialParams, accountCredentials } from '@onbehalf/contracts/login-links';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { ownSessionOnly, requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { credentialsMadeFor, revokeCredentialMadeFor } from './credentials.service.ts';

const tags = ['Account'];

const listRoute = createRoute({
  method: 'get',
  path: '/api/public/account/credentials',
  tags,
  summary: 'Sign-in links and login tokens made for me that still work, and who made them',
  middleware: [requireSession, ownSessionOnly] as const,
  responses: {
    200: jsonContent(accountCredentials, 'Live credentials'),
    ...errorResponses(401, 403),
  },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/api/public/account/credentials/{kind}/{id}',
  tags,
  summary: 'Revoke a sign-in link or login token made for me',
  middleware: [requireSession, ownSessionOnly] as const,
  request: { params: accountCredentialParams },
  responses: { 200: jsonContent(okResponse, 'Revoked'), ...errorResponses(400, 401, 403, 404) },
});

export const credentialsRoutes = createRouter()
  .openapi(listRoute, (c) => c.json(credentialsMadeFor(c.get('deps'), getAuth(c)), 200))
  .openapi(revokeRoute, (c) => {
    revokeCredentialMadeFor(c.get('deps'), getAuth(c), c.req.valid('param'), c.get('meta'));
    return c.json({ ok: true as const }, 200);
  });
