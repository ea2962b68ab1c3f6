import { createRoute } from '@hono/zod-openapi';
import { signedInResponse } from '@onbehalf/contracts/auth';
import { profilesResponse, switchProfileBody } from '@onbehalf/contracts/profiles';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { setSessionCookie, signedInBody } from '../../lib/session-cookie.ts';
import { ownSessionOnly, requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { listProfiles, switchProfile } from './profiles.service.ts';

const tags = ['Profiles'];

const listRoute = createRoute({
  method: 'get',
  path: '/api/public/coworkers/profiles',
  tags,
  summary: 'Profiles the caller may use',
  middleware: [requireSession] as const,
  responses: { 200: jsonContent(profilesResponse, 'Profiles'), ...errorResponses(401) },
});

const switchRoute = createRoute({
  method: 'put',
  path: '/api/public/coworkers/profiles/current',
  tags,
  summary: 'Switch the active profile (a new session replaces the current one)',
  middleware: [requireSession, ownSessionOnly] as const,
  request: jsonBody(switchProfileBody),
  responses: {
    200: jsonContent(signedInResponse, 'Switched'),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const profilesRoutes = createRouter()
  .openapi(listRoute, (c) => c.json(listProfiles(c.get('deps'), getAuth(c)), 200))
  .openapi(switchRoute, (c) => {
    const auth = getAuth(c);
    const result = switchProfile(c.get('deps'), auth, c.req.valid('json').Id, c.get('meta'));
    if (auth.transport === 'cookie')
      setSessionCookie(c, c.get('deps').env, result.token, result.expiresAt);
    return c.json(signedInBody(c, result), 200);
  });
