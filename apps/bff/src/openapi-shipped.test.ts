import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument, openApiFileName } from './api.ts';
import { bundled } from './test/bundled.ts';
import { type ServerProcess, spawnServer, waitUntilReady } from './test/server-processes.ts';

/**
 * The OpenAPI document as `pnpm build` ships it (ADR 050): written beside the server's bundle
 * and served from there, so no request waits while the server builds it.
 */

let dist: string;
/** A copy of the bundle this file may change: the run's bundle is shared by other files. */
let copy: string;
const servers: ServerProcess[] = [];

/** A document's digest: a mismatch says so in one line, not in two 400 kB strings. */
const digest = (text: string) => createHash('sha256').update(text).digest('hex');

beforeAll(async () => {
  dist = path.dirname(await bundled('server'));
  copy = path.join(mkdtempSync(path.join(path.dirname(path.dirname(dist)), 'copy-')), 'dist');
  cpSync(dist, copy, { recursive: true });
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(path.dirname(copy), { recursive: true, force: true });
});

async function served(env: Record<string, string>) {
  const server = await spawnServer(env, path.join(copy, 'server.js'));
  servers.push(server);
  await waitUntilReady(server);
  const response = await fetch(`${server.url}/api/openapi.json`);
  return { status: response.status, text: await response.text(), server };
}

describe('the OpenAPI document a build ships', () => {
  it('is written beside the server, as the routes describe them, with and without test mode', () => {
    for (const testMode of [false, true]) {
      const shipped = readFileSync(path.join(dist, openApiFileName(testMode)), 'utf8');
      expect(digest(shipped)).toBe(digest(openApiDocument(testMode)));
    }
  });

  it('is what the server serves, read from the file, not built again', async () => {
    const marked = JSON.stringify({ openapi: '3.1.0', info: { title: 'the file beside it' } });
    writeFileSync(path.join(copy, openApiFileName(true)), marked);
    const answer = await served({});
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(marked);
  });

  it('is built from the routes when the file has gone since the start', async () => {
    const server = await spawnServer({}, path.join(copy, 'server.js'));
    servers.push(server);
    await waitUntilReady(server);
    rmSync(path.join(copy, openApiFileName(true)));
    const response = await fetch(`${server.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(digest(await response.text())).toBe(digest(openApiDocument(true)));
  });
});
