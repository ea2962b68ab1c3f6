import { createRoute } from '@hono/zod-openapi';
import { signedInResponse } from '@onbehalf/contracts/auth';
import { profilesQuery, profilesResponse, switchProfileBody } from '@onbehalf/contracts/profiles';
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
  summary: "The caller's profiles, and a page of the coworkers a team admin may sign in as",
  middleware: [requireSession] as const,
  request: { query: profilesQuery },
  responses: { 200: jsonContent(profilesResponse, 'Profiles'), ...errorResponses(400, 401) },
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
  .openapi(listRoute, (c) =>
    c.json(listProfiles(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(switchRoute, (c) => {
    const auth = getAuth(c);
    const result = switchProfile(c.get('deps'), auth, c.req.valid('json').Id, c.get('meta'));
    if (auth.transport === 'cookie')
      setSessionCookie(c, c.get('deps').env, result.token, result.expiresAt);
    return c.json(signedInBody(c, result), 200);
  });
