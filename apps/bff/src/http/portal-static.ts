import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.ts';

/**
 * The portal's files are small and sent whole: a `Range` is ignored, as a server may (RFC 9110
 * §14.2), rather than read by the file server's parser, which answered a reversed or
 * unsatisfiable range with a 500 (found by a review) and a suffix range with the wrong bytes.
 */
const wholeFile: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.req.raw.headers.delete('range');
  await next();
};

/**
 * Serves the built portal from the same origin as the API: hashed assets are cached for a
 * year, every other non-API path gets index.html so client-side routes survive a reload.
 */
export function mountPortal(app: OpenAPIHono<AppEnv>, portalDir: string): void {
  const indexFile = path.join(portalDir, 'index.html');
  if (!existsSync(indexFile)) return;
  const indexHtml = readFileSync(indexFile, 'utf8');
  const root = path.relative(process.cwd(), portalDir) || '.';

  app.use('/assets/*', async (c, next) => {
    await next();
    if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable');
  });
  app.use('/assets/*', wholeFile, serveStatic({ root }));
  // An asset that is not there is a 404, not the page: a tab still running an older build asks
  // for chunks the new one no longer has, and HTML under a script's name hides why it broke.
  app.get('/assets/*', (c) => c.notFound());
  app.get('/favicon.svg', wholeFile, serveStatic({ root }));
  app.get('*', async (c, next) => {
    if (c.req.path.startsWith('/api/') || c.req.path.startsWith('/.well-known/')) return next();
    c.header('Cache-Control', 'no-store');
    return c.html(indexHtml);
  });
}
