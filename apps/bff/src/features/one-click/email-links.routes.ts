import { createRoute } from '@hono/zod-openapi';
import {
  provisionUserBody,
  provisionUserResponse,
  requestEmailLinkBody,
  requestEmailLinkResponse,
  supportEmailLinkBody,
  userIdParam,
} from '@onbehalf/contracts/email-links';
import { sentCredentialResponse } from '@onbehalf/contracts/login-links';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { getPrincipal } from '../../lib/principal.ts';
import { createRouter } from '../../lib/router.ts';
import {
  ownSessionOnly,
  requirePermission,
  requirePermissionOrApiKey,
} from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  emailLinkFromSupport,
  provisionUser,
  requestSelfServiceLink,
} from './email-links.service.ts';

const tags = ['Sign-in links by email'];

const selfServiceRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/email-link',
  tags,
  summary: 'Email me a sign-in link (same answer whether or not the address has an account)',
  request: jsonBody(requestEmailLinkBody),
  responses: {
    202: jsonContent(requestEmailLinkResponse, 'Accepted'),
    ...errorResponses(400, 429),
  },
});

const supportRoute = createRoute({
  method: 'post',
  path: '/api/sys/users/{id}/email-sign-in-link',
  tags,
  summary: 'Support emails a sign-in link to a customer (the email names the operator and reason)',
  middleware: [requirePermission('one-click-links:create'), ownSessionOnly],
  request: { params: userIdParam, ...jsonBody(supportEmailLinkBody) },
  responses: {
    200: jsonContent(sentCredentialResponse, 'Sent: where, and until when the link works'),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const provisionRoute = createRoute({
  method: 'post',
  path: '/api/sys/users',
  tags,
  summary: 'Provision a user with a profile (idempotent on email), optionally with a welcome email',
  middleware: [requirePermissionOrApiKey('users:provision'), ownSessionOnly],
  request: jsonBody(provisionUserBody),
  responses: {
    200: jsonContent(provisionUserResponse, 'Existing user, unchanged'),
    201: jsonContent(provisionUserResponse, 'Created'),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const emailLinksRoutes = createRouter()
  .openapi(selfServiceRoute, async (c) =>
    c.json(
      await requestSelfServiceLink(c.get('deps'), c.req.valid('json').email, c.get('meta')),
      202,
    ),
  )
  .openapi(supportRoute, async (c) => {
    const sent = await emailLinkFromSupport(
      c.get('deps'),
      getAuth(c),
      c.req.valid('param').id,
      c.req.valid('json').reason,
      c.get('meta'),
    );
    return c.json(sent, 200);
  })
  .openapi(provisionRoute, async (c) => {
    const result = await provisionUser(
      c.get('deps'),
      getPrincipal(c),
      c.req.valid('json'),
      c.get('meta'),
    );
    return result.status === 201 ? c.json(result.body, 201) : c.json(result.body, 200);
  });
