import { createRoute } from '@hono/zod-openapi';
import { okResponse } from '@onbehalf/contracts/auth';
import {
  apiKeyIdParam,
  apiKeyList,
  createApiKeyBody,
  createdApiKey,
} from '@onbehalf/contracts/login-links';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { ownSessionOnly, requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service.ts';

const tags = ['API keys'];
const manage = [requirePermission('api-keys:manage'), ownSessionOnly];

const listRoute = createRoute({
  method: 'get',
  path: '/api/sys/api-keys',
  tags,
  summary: 'API keys for integrations',
  middleware: manage,
  responses: { 200: jsonContent(apiKeyList, 'Keys'), ...errorResponses(401, 403) },
});

const createKeyRoute = createRoute({
  method: 'post',
  path: '/api/sys/api-keys',
  tags,
  summary: 'Create an API key with scopes (the secret is shown once)',
  middleware: manage,
  request: jsonBody(createApiKeyBody),
  responses: { 201: jsonContent(createdApiKey, 'Created'), ...errorResponses(400, 401, 403) },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/api/sys/api-keys/{id}',
  tags,
  summary: 'Revoke an API key',
  middleware: manage,
  request: { params: apiKeyIdParam },
  responses: { 200: jsonContent(okResponse, 'Revoked'), ...errorResponses(401, 403, 404) },
});

export const apiKeysRoutes = createRouter()
  .openapi(listRoute, (c) => c.json(listApiKeys(c.get('deps')), 200))
  .openapi(createKeyRoute, (c) =>
    c.json(createApiKey(c.get('deps'), getAuth(c), c.req.valid('json'), c.get('meta')), 201),
  )
  .openapi(revokeRoute, (c) => {
    revokeApiKey(c.get('deps'), getAuth(c), c.req.valid('param').id, c.get('meta'));
    return c.json({ ok: true as const }, 200);
  });
