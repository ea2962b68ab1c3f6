import { createRoute } from '@hono/zod-openapi';
import { outboxQuery, outboxResponse } from '@onbehalf/contracts/email-links';
import { desc, eq } from 'drizzle-orm';
import { outboxMessages } from '../../db/schema/outbox.ts';
import { toIso } from '../../lib/clock.ts';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { requirePermission } from '../../middleware/require-permission.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/api/sys/outbox',
  tags: ['Backoffice'],
  summary: 'The local mail outbox (when no SMTP server is configured): newest first',
  middleware: [requirePermission('outbox:read')],
  request: { query: outboxQuery },
  responses: { 200: jsonContent(outboxResponse, 'Messages'), ...errorResponses(400, 401, 403) },
});

export const outboxRoutes = createRouter().openapi(listRoute, (c) => {
  const { to } = c.req.valid('query');
  const rows = c
    .get('deps')
    .db.select()
    .from(outboxMessages)
    .where(to ? eq(outboxMessages.to, to.toLowerCase()) : undefined)
    .orderBy(desc(outboxMessages.id))
    .limit(100)
    .all();
  return c.json({ messages: rows.map((m) => ({ ...m, createdAt: toIso(m.createdAt) })) }, 200);
});
