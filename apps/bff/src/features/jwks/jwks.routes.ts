import { createRoute, z } from '@hono/zod-openapi';
import { jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: ['Auth'],
  summary: 'Public keys that verify session JWTs',
  responses: {
    200: jsonContent(z.object({ keys: z.array(z.record(z.string(), z.unknown())) }), 'JWKS'),
  },
});

export const jwksRoutes = createRouter().openapi(jwksRoute, (c) => {
  c.header('Cache-Control', 'public, max-age=300');
  return c.json({ keys: [c.get('deps').keys.publicJwk] }, 200);
});
