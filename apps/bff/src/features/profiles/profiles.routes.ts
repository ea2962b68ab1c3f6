import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { setSessionCookie, signedInBody } from '../../http/session-cookie.ts';
import { requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { listProfiles, switchProfile } from './profiles.service.ts';

const listRoute = routeOf(routes['profiles.list'], { middleware: [requireSession] });

const switchRoute = routeOf(routes['profiles.switchTo'], {
  middleware: [requireSession],
});

export const profilesRoutes = createRouter()
  .openapi(listRoute, async (c) =>
    c.json(await listProfiles(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(switchRoute, async (c) => {
    const auth = getAuth(c);
    const result = await switchProfile(c.get('deps'), auth, c.req.valid('json').Id, c.get('meta'));
    if (auth.transport === 'cookie')
      setSessionCookie(c, c.get('deps').env, result.token, result.expiresAt);
    return c.json(signedInBody(c, result), 200);
  });
