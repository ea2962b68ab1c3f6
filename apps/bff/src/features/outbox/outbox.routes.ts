import { createRoute } from '@hono/zod-openapi';
import { outboxQuery, outboxResponse } from '@onbehalf/contracts/email-links';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { ownSessionOnly, requirePermission } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { readOutbox } from './outbox.service.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/api/sys/outbox',
  tags: ['Backoffice'],
  summary: 'The local mail outbox, newest first: development only, without SMTP (404 elsewhere)',
  middleware: [requirePermission('outbox:read'), ownSessionOnly],
  request: { query: outboxQuery },
  responses: {
    200: jsonContent(outboxResponse, 'Messages'),
    ...errorResponses(400, 401, 403, 404),
  },
});

export const outboxRoutes = createRouter().openapi(listRoute, (c) =>
  c.json(readOutbox(c.get('deps'), getAuth(c), c.req.valid('query'), c.get('meta')), 200),
);
