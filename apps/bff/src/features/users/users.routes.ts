import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { getPrincipal } from '../../http/principal.ts';
import { createRouter } from '../../http/router.ts';
import {
  requirePermission,
  requirePermissionOrApiKey,
} from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { listOrganizations, listUsers, setRoleOfProfile, updateUser } from './users.service.ts';

const listRoute = routeOf(routes['sys.users'], {
  middleware: [requirePermissionOrApiKey('users:read')],
});

const updateRoute = routeOf(routes['sys.updateUser'], {
  middleware: [requirePermission('settings:manage')],
});

const roleRoute = routeOf(routes['sys.setProfileRole'], {
  middleware: [requirePermission('settings:manage')],
});

const organizationsRoute = routeOf(routes['sys.organizations'], {
  middleware: [requirePermission('users:read')],
});

export const usersRoutes = createRouter()
  .openapi(organizationsRoute, async (c) =>
    c.json(await listOrganizations(c.get('deps'), c.req.valid('query').query), 200),
  )
  .openapi(listRoute, async (c) =>
    c.json(await listUsers(c.get('deps'), getPrincipal(c), c.req.valid('query')), 200),
  )
  .openapi(updateRoute, async (c) =>
    c.json(
      await updateUser(
        c.get('deps'),
        getAuth(c),
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('meta'),
      ),
      200,
    ),
  )
  .openapi(roleRoute, async (c) =>
    c.json(
      await setRoleOfProfile(
        c.get('deps'),
        getAuth(c),
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('meta'),
      ),
      200,
    ),
  );
