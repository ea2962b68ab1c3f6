import { html } from 'hono/html';
import type { AppError } from '../lib/errors.ts';

/**
 * Whether the browser is showing this response as a page: it followed a plain link or typed
 * the address (`Sec-Fetch-Dest: document`). Only the portal's download links do that to the
 * API (an audit export); every fetch, and every API client, gets the JSON envelope.
 */
export function isPageNavigation(secFetchDest: string | undefined): boolean {
  return secFetchDest === 'document';
}

/**
 * The error envelope as a page a person reads: a download link the server refused (another
 * export still running, a session that ended) shows why, where the browser would otherwise
 * report a failed download and nothing more. The same code and message as the JSON envelope,
 * escaped; no script, no style from elsewhere.
 */
export function errorPage(error: AppError) {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${error.message}</title>
  </head>
  <body>
    <main>
      <h1>${error.message}</h1>
      <p>Code: <code>${error.code}</code> (HTTP ${String(error.status)})</p>
      <p>Go back with your browser's Back button, or <a href="/">open the portal</a>.</p>
    </main>
  </body>
</html>`;
}
