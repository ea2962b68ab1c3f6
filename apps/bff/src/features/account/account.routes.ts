import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { changePassword, setImpersonationPreference } from './account.service.ts';

const preferenceRoute = routeOf(routes['account.setImpersonationPreference'], {
  middleware: [requireSession],
});

const passwordRoute = routeOf(routes['account.changePassword'], {
  middleware: [requireSession],
});

export const accountRoutes = createRouter()
  .openapi(preferenceRoute, async (c) => {
    const { allowTeamImpersonation } = c.req.valid('json');
    return c.json(
      await setImpersonationPreference(
        c.get('deps'),
        getAuth(c),
        allowTeamImpersonation,
        c.get('meta'),
      ),
      200,
    );
  })
  .openapi(passwordRoute, async (c) => {
    await changePassword(
      c.get('deps'),
      getAuth(c),
      c.req.valid('json'),
      c.get('meta'),
      c.req.raw.signal,
    );
    return c.json({ ok: true as const }, 200);
  });
