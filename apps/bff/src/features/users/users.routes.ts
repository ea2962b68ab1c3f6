import { createRoute } from '@hono/zod-openapi';
import { adminUsersResponse, usersQuery } from '@onbehalf/contracts/users';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { getPrincipal } from '../../lib/principal.ts';
import { createRouter } from '../../lib/router.ts';
import { requirePermissionOrApiKey } from '../../middleware/require-permission.ts';
import { listUsers } from './users.service.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/api/sys/users',
  tags: ['Backoffice'],
  summary: 'Search users and their profiles (operator, or an API key with users:read)',
  middleware: [requirePermissionOrApiKey('users:read')] as const,
  request: { query: usersQuery },
  responses: { 200: jsonContent(adminUsersResponse, 'Users'), ...errorResponses(400, 401, 403) },
});

export const usersRoutes = createRouter().openapi(listRoute, (c) =>
  c.json(listUsers(c.get('deps'), getPrincipal(c), c.req.valid('query').query), 200),
);
