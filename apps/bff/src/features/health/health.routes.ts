import { createRoute, z } from '@hono/zod-openapi';
import { jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';

const healthRoute = createRoute({
  method: 'get',
  path: '/api/health',
  tags: ['Health'],
  summary: 'Liveness; does no work (the benchmark calibrates against it)',
  responses: { 200: jsonContent(z.object({ ok: z.literal(true) }), 'Alive') },
});

export const healthRoutes = createRouter().openapi(healthRoute, (c) =>
  c.json({ ok: true as const }, 200),
);
