import { createRoute } from '@hono/zod-openapi';
import { changePasswordBody } from '@onbehalf/contracts/account';
import { okResponse } from '@onbehalf/contracts/auth';
import {
  impersonationPreferenceBody,
  impersonationPreferenceResponse,
} from '@onbehalf/contracts/impersonation';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { ownSessionOnly, requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { changePassword, setImpersonationPreference } from './account.service.ts';

const tags = ['Account'];

const preferenceRoute = createRoute({
  method: 'put',
  path: '/api/public/account/impersonation-preference',
  tags,
  summary: 'Allow or forbid team admins to sign in as me (active profile)',
  middleware: [requireSession, ownSessionOnly] as const,
  request: jsonBody(impersonationPreferenceBody),
  responses: {
    200: jsonContent(impersonationPreferenceResponse, 'Saved'),
    ...errorResponses(400, 401, 403),
  },
});

const passwordRoute = createRoute({
  method: 'put',
  path: '/api/public/account/password',
  tags,
  summary: 'Change my password (signs out my other sessions)',
  middleware: [requireSession, ownSessionOnly] as const,
  request: jsonBody(changePasswordBody),
  responses: { 200: jsonContent(okResponse, 'Changed'), ...errorResponses(400, 401, 403) },
});

export const accountRoutes = createRouter()
  .openapi(preferenceRoute, (c) => {
    const { allowTeamImpersonation } = c.req.valid('json');
    return c.json(
      setImpersonationPreference(c.get('deps'), getAuth(c), allowTeamImpersonation, c.get('meta')),
      200,
    );
  })
  .openapi(passwordRoute, async (c) => {
    await changePassword(c.get('deps'), getAuth(c), c.req.valid('json'), c.get('meta'));
    return c.json({ ok: true as const }, 200);
  });
