import { createRoute, z } from '@hono/zod-openapi';
import { numericId } from '@onbehalf/contracts/common';
import {
  adminUsersResponse,
  organizationsQuery,
  organizationsResponse,
  profileRoleResponse,
  setProfileRoleBody,
  updatedUserResponse,
  updateUserBody,
  usersQuery,
} from '@onbehalf/contracts/users';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { getPrincipal } from '../../lib/principal.ts';
import { createRouter } from '../../lib/router.ts';
import {
  ownSessionOnly,
  requirePermission,
  requirePermissionOrApiKey,
} from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { searchOrganizations } from './users.repo.ts';
import { listUsers, setRoleOfProfile, updateUser } from './users.service.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/api/sys/users',
  tags: ['Backoffice'],
  summary: 'Search users and their profiles (operator, or an API key with users:read)',
  middleware: [requirePermissionOrApiKey('users:read')] as const,
  request: { query: usersQuery },
  responses: { 200: jsonContent(adminUsersResponse, 'Users'), ...errorResponses(400, 401, 403) },
});

const idParam = z.object({ id: numericId });

const updateRoute = createRoute({
  method: 'patch',
  path: '/api/sys/users/{id}',
  tags: ['Backoffice'],
  summary: "Disable or enable a user, or change an operator's role (superadmin, with a reason)",
  description:
    'Disabling ends the sessions, impersonations and credentials the user holds or that are held for them, and the credentials and API keys they made.',
  middleware: [requirePermission('settings:manage'), ownSessionOnly] as const,
  request: { params: idParam, ...jsonBody(updateUserBody) },
  responses: {
    200: jsonContent(updatedUserResponse, 'Updated'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const roleRoute = createRoute({
  method: 'put',
  path: '/api/sys/profiles/{id}/role',
  tags: ['Backoffice'],
  summary: "Set a profile's role (superadmin, with a reason); its preset permissions come with it",
  middleware: [requirePermission('settings:manage'), ownSessionOnly] as const,
  request: { params: idParam, ...jsonBody(setProfileRoleBody) },
  responses: {
    200: jsonContent(profileRoleResponse, 'Set'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const organizationsRoute = createRoute({
  method: 'get',
  path: '/api/sys/organizations',
  tags: ['Backoffice'],
  summary: 'Organizations by name (at most 50), for operators',
  middleware: [requirePermission('users:read')] as const,
  request: { query: organizationsQuery },
  responses: {
    200: jsonContent(organizationsResponse, 'Organizations'),
    ...errorResponses(400, 401, 403),
  },
});

export const usersRoutes = createRouter()
  .openapi(organizationsRoute, (c) =>
    c.json(
      { organizations: searchOrganizations(c.get('deps').db, c.req.valid('query').query) },
      200,
    ),
  )
  .openapi(listRoute, (c) =>
    c.json(listUsers(c.get('deps'), getPrincipal(c), c.req.valid('query')), 200),
  )
  .openapi(updateRoute, (c) =>
    c.json(
      updateUser(
        c.get('deps'),
        getAuth(c),
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('meta'),
      ),
      200,
    ),
  )
  .openapi(roleRoute, (c) =>
    c.json(
      setRoleOfProfile(
        c.get('deps'),
        getAuth(c),
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('meta'),
      ),
      200,
    ),
  );
