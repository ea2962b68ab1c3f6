import { createRoute } from '@hono/zod-openapi';
import { adminUsersResponse, usersQuery } from '@onbehalf/contracts/users';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { listUsers } from './users.service.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/api/sys/users',
  tags: ['Backoffice'],
  summary: 'Search users and their profiles',
  middleware: [requirePermission('users:read')] as const,
  request: { query: usersQuery },
  responses: { 200: jsonContent(adminUsersResponse, 'Users'), ...errorResponses(400, 401, 403) },
});

export const usersRoutes = createRouter().openapi(listRoute, (c) =>
  c.json(listUsers(c.get('deps'), getAuth(c), c.req.valid('query').query), 200),
);
