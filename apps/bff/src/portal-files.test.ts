import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { afterThisFile } from './test/file-cleanup.ts';
import { createTestApp, ORIGIN } from './test/harness.ts';
import { spawnServer, waitUntilReady } from './test/server-processes.ts';

const SCRIPT = 'console.log("portal");\n';

/** A built portal of one page and one asset. */
function builtPortal() {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-portal-'));
  afterThisFile(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>portal</title>');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'assets', 'app-1234.js'), SCRIPT);
  return dir;
}

const RANGES = ['bytes=0-4', 'bytes=10-2', 'bytes=999999-', 'bytes=-3', 'bytes=x-y', 'pages=1'];

describe('the portal’s pages and files', () => {
  it('an asset that is not there is a 404, while any other path is the page', async () => {
    const t = await createTestApp();
    const app = createApp(t.deps, { portalDir: builtPortal() });
    for (const missing of ['/assets/app-0000.js', '/assets/', '/assets/old/app-1234.css']) {
      const answer = await app.request(`${ORIGIN}${missing}`);
      expect([
        missing,
        answer.status,
        ((await answer.json()) as { error: { code: string } }).error.code,
      ]).toEqual([missing, 404, 'not_found']);
    }
    const page = await app.request(`${ORIGIN}/team/members?q=Ada`);
    expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>portal</title>']);
  });
});

describe('the portal’s files and Range headers', () => {
  it('every file is sent whole, whatever range is asked for', async () => {
    const t = await createTestApp();
    const app = createApp(t.deps, { portalDir: builtPortal() });
    for (const range of RANGES) {
      const answer = await app.request(`${ORIGIN}/assets/app-1234.js`, { headers: { range } });
      expect([range, answer.status, await answer.text()]).toEqual([range, 200, SCRIPT]);
      const icon = await app.request(`${ORIGIN}/favicon.svg`, { headers: { range } });
      expect([range, icon.status]).toEqual([range, 200]);
    }
  });

  it('the same over the wire, from the server as it ships (PORTAL_DIST)', {
    timeout: 120_000,
  }, async () => {
    const server = await spawnServer({ PORTAL_DIST: builtPortal() });
    try {
      await waitUntilReady(server);
      for (const range of ['bytes=10-2', 'bytes=999999-']) {
        const answer = await fetch(`${server.url}/assets/app-1234.js`, { headers: { range } });
        expect([range, answer.status, await answer.text()]).toEqual([range, 200, SCRIPT]);
      }
    } finally {
      await server.stop();
    }
  });
});
