import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  listTeam,
  organizationSettingsFor,
  teamSettingsOf,
  updateOrganizationSettingsAsOperator,
  updateTeamMember,
  updateTeamSettings,
} from './team.service.ts';

const listRoute = routeOf(routes['team.members'], { middleware: [requirePermission('team:read')] });

const updateRoute = routeOf(routes['team.updateMember'], {
  middleware: [requirePermission('team:manage')],
});

const settingsRoute = routeOf(routes['team.settings'], {
  middleware: [requirePermission('team:read')],
});

const updateSettingsRoute = routeOf(routes['team.updateSettings'], {
  middleware: [requirePermission('team:settings')],
});

const sysSettingsRoute = routeOf(routes['sys.organizationSettings'], {
  middleware: [requirePermission('settings:manage')],
});

const sysUpdateSettingsRoute = routeOf(routes['sys.updateOrganizationSettings'], {
  middleware: [requirePermission('settings:manage')],
});

export const teamRoutes = createRouter()
  .openapi(listRoute, async (c) =>
    c.json(await listTeam(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(updateRoute, async (c) => {
    const member = await updateTeamMember(
      c.get('deps'),
      getAuth(c),
      c.req.valid('param').profileId,
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ member }, 200);
  })
  .openapi(settingsRoute, (c) => c.json({ settings: teamSettingsOf(getAuth(c)) }, 200))
  .openapi(updateSettingsRoute, async (c) => {
    const settings = await updateTeamSettings(
      c.get('deps'),
      getAuth(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ settings }, 200);
  })
  .openapi(sysSettingsRoute, async (c) =>
    c.json(
      { settings: await organizationSettingsFor(c.get('deps'), c.req.valid('param').id) },
      200,
    ),
  )
  .openapi(sysUpdateSettingsRoute, async (c) => {
    const settings = await updateOrganizationSettingsAsOperator(
      c.get('deps'),
      getAuth(c),
      c.req.valid('param').id,
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ settings }, 200);
  });
