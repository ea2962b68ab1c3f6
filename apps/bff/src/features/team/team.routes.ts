import { createRoute, z } from '@hono/zod-openapi';
import {
  teamMemberParam,
  teamMemberResponse,
  teamMembersQuery,
  teamMembersResponse,
  teamSettingsResponse,
  updateTeamMemberBody,
  updateTeamSettingsBody,
} from '@onbehalf/contracts/team';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { ownSessionOnly, requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  listTeam,
  organizationSettingsFor,
  teamSettingsOf,
  updateOrganizationSettingsAsOperator,
  updateTeamMember,
  updateTeamSettings,
} from './team.service.ts';

const tags = ['Team'];

const listRoute = createRoute({
  method: 'get',
  path: '/api/public/team/members',
  tags,
  summary: "Members of the active profile's organization",
  middleware: [requirePermission('team:read')] as const,
  request: { query: teamMembersQuery },
  responses: {
    200: jsonContent(teamMembersResponse, 'A page of members'),
    ...errorResponses(400, 401, 403),
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/api/public/team/members/{profileId}',
  tags,
  summary: "Change a member's role or permissions",
  middleware: [requirePermission('team:manage'), ownSessionOnly] as const,
  request: { params: teamMemberParam, ...jsonBody(updateTeamMemberBody) },
  responses: {
    200: jsonContent(teamMemberResponse, 'Updated member'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const settingsRoute = createRoute({
  method: 'get',
  path: '/api/public/team/settings',
  tags,
  summary: "The organization's impersonation settings",
  middleware: [requirePermission('team:read')] as const,
  responses: { 200: jsonContent(teamSettingsResponse, 'Settings'), ...errorResponses(401, 403) },
});

const updateSettingsRoute = createRoute({
  method: 'put',
  path: '/api/public/team/settings',
  tags,
  summary: 'Change the team door: may team admins sign in as members, and for how long',
  middleware: [requirePermission('team:settings'), ownSessionOnly] as const,
  request: jsonBody(updateTeamSettingsBody),
  responses: {
    200: jsonContent(teamSettingsResponse, 'Settings'),
    ...errorResponses(400, 401, 403),
  },
});

const orgParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const sysSettingsRoute = createRoute({
  method: 'get',
  path: '/api/sys/organizations/{id}/settings',
  tags,
  summary: "An organization's settings, for operators with settings:manage",
  middleware: [requirePermission('settings:manage')],
  request: { params: orgParam },
  responses: {
    200: jsonContent(teamSettingsResponse, 'Settings'),
    ...errorResponses(401, 403, 404),
  },
});

const sysUpdateSettingsRoute = createRoute({
  method: 'put',
  path: '/api/sys/organizations/{id}/settings',
  tags,
  summary: "Change an organization's settings as an operator with settings:manage",
  middleware: [requirePermission('settings:manage'), ownSessionOnly],
  request: { params: orgParam, ...jsonBody(updateTeamSettingsBody) },
  responses: {
    200: jsonContent(teamSettingsResponse, 'Settings'),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const teamRoutes = createRouter()
  .openapi(listRoute, (c) => c.json(listTeam(c.get('deps'), getAuth(c), c.req.valid('query')), 200))
  .openapi(updateRoute, (c) => {
    const member = updateTeamMember(
      c.get('deps'),
      getAuth(c),
      c.req.valid('param').profileId,
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ member }, 200);
  })
  .openapi(settingsRoute, (c) => c.json({ settings: teamSettingsOf(getAuth(c)) }, 200))
  .openapi(updateSettingsRoute, (c) => {
    const settings = updateTeamSettings(
      c.get('deps'),
      getAuth(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ settings }, 200);
  })
  .openapi(sysSettingsRoute, (c) =>
    c.json({ settings: organizationSettingsFor(c.get('deps'), c.req.valid('param').id) }, 200),
  )
  .openapi(sysUpdateSettingsRoute, (c) => {
    const settings = updateOrganizationSettingsAsOperator(
      c.get('deps'),
      getAuth(c),
      c.req.valid('param').id,
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ settings }, 200);
  });
