import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../test/server-processes.ts';
import { stoppingOf } from './stopping.ts';

/**
 * The server's stop, on a real HTTP server whose one route answers only when the test says so
 * (the spawned server's own stop by SIGTERM is in server-stop.test.ts).
 */

let held: ServerResponse[] = [];
let servers: Server[] = [];
afterEach(() => {
  for (const res of held) res.end();
  for (const server of servers) server.closeAllConnections();
  held = [];
  servers = [];
});

async function scene(graceSeconds: number) {
  const server = createServer((_req, res) => {
    held.push(res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const lines: string[] = [];
  const logger = pino(
    { base: null },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push((JSON.parse(String(chunk)) as { msg: string }).msg);
        done();
      },
    }),
  );
  const said: string[] = [];
  let exited: (code: number | undefined) => void = () => {};
  const exit = new Promise<number | undefined>((resolve) => {
    exited = resolve;
  });
  const stopping = stoppingOf({
    server,
    logger,
    graceSeconds,
    release: async () => {
      said.push('released');
    },
    exit: (code) => {
      said.push(`exit ${code ?? 'ok'}`);
      exited(code);
    },
  });
  /**
   * A request in flight until the test ends it, once the server holds it: `answer` is what it
   * got, or the error it ended with.
   */
  const inFlight = async () => {
    const answer = fetch(url).then(
      (res) => res.status,
      (error: Error) => error.name,
    );
    await until(async () => held.length > 0, 'the request to reach the server', 5_000);
    return { answer };
  };
  return { stopping, url, lines, said, exit, inFlight };
}

describe('stopping the server', () => {
  it('by a signal: takes no new request, waits for the one in flight, then releases and exits', async () => {
    const s = await scene(30);
    const { answer } = await s.inFlight();
    s.stopping.bySignal('SIGTERM');
    await expect(fetch(s.url)).rejects.toThrow();
    expect(s.said).toEqual([]);
    held[0]?.end();
    expect(await answer).toBe(200);
    expect(await s.exit).toBeUndefined();
    expect(s.said).toEqual(['released', 'exit ok']);
    expect(s.lines).toEqual([
      'Stopping: no new requests; waiting up to 30 s for those in flight.',
      'Stopped.',
    ]);
  });

  it('by a signal: cuts what is still in flight after the grace, says so, then exits', async () => {
    const s = await scene(0.2);
    const { answer } = await s.inFlight();
    s.stopping.bySignal('SIGTERM');
    expect(await s.exit).toBeUndefined();
    expect(await answer).toBe('TypeError');
    expect(s.lines).toContain('Stopping: requests still in flight after 0.2 s are cut.');
  });

  it('asked again while it waits: stops at once with exit code 1', async () => {
    const s = await scene(30);
    await s.inFlight();
    s.stopping.bySignal('SIGTERM');
    s.stopping.bySignal('SIGINT');
    expect(await s.exit).toBe(1);
    expect(s.lines).toContain('Stopping at once: asked again.');
  });

  it('after a fault: waits for nothing in flight (review)', async () => {
    const s = await scene(30);
    const { answer } = await s.inFlight();
    const started = Date.now();
    s.stopping.atOnce();
    expect(await s.exit).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await answer).toBe('TypeError');
    expect(s.said).toEqual(['released', 'exit ok']);
    expect(s.lines[0]).toBe('Stopping at once: requests in flight are cut.');
  });
});
