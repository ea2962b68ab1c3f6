import { createRoute } from '@hono/zod-openapi';
import { globalSettingsResponse, updateGlobalSettingsBody } from '@onbehalf/contracts/users';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { ownSessionOnly, requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { globalSettingsOf, updateGlobalSettings } from './settings.service.ts';

const tags = ['Backoffice'];

const getRoute = createRoute({
  method: 'get',
  path: '/api/sys/settings',
  tags,
  summary: 'Global switches',
  middleware: [requirePermission('settings:manage')] as const,
  responses: { 200: jsonContent(globalSettingsResponse, 'Settings'), ...errorResponses(401, 403) },
});

const putRoute = createRoute({
  method: 'put',
  path: '/api/sys/settings',
  tags,
  summary: 'Change the global switches',
  middleware: [requirePermission('settings:manage'), ownSessionOnly] as const,
  request: jsonBody(updateGlobalSettingsBody),
  responses: {
    200: jsonContent(globalSettingsResponse, 'Settings'),
    ...errorResponses(400, 401, 403),
  },
});

export const settingsRoutes = createRouter()
  .openapi(getRoute, (c) => c.json({ settings: globalSettingsOf(c.get('deps')) }, 200))
  .openapi(putRoute, (c) => {
    const settings = updateGlobalSettings(
      c.get('deps'),
      getAuth(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ settings }, 200);
  });
