import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { globalSettingsOf, updateGlobalSettings } from './settings.service.ts';

const getRoute = routeOf(routes['sys.settings'], {
  middleware: [requirePermission('settings:manage')],
});

const putRoute = routeOf(routes['sys.updateSettings'], {
  middleware: [requirePermission('settings:manage')],
});

export const settingsRoutes = createRouter()
  .openapi(getRoute, async (c) => c.json({ settings: await globalSettingsOf(c.get('deps')) }, 200))
  .openapi(putRoute, async (c) => {
    const settings = await updateGlobalSettings(
      c.get('deps'),
      getAuth(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return c.json({ settings }, 200);
  });
