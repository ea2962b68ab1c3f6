import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { afterThisFile } from './test/file-cleanup.ts';
import { type ServerProcess, spawnServer, until, waitUntilReady } from './test/server-processes.ts';

/**
 * How `pnpm start` stops on SIGTERM or SIGINT (found by a review of the operator's surface: it
 * stopped after a fixed 2 s, cutting an export, and said nothing of it).
 */

async function serving(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer({ LOG_LEVEL: 'info', ...env });
  afterThisFile(() => server.stop());
  await waitUntilReady(server);
  return server;
}

/** A request whose headers are sent but for their last line: in flight until `finish`. */
async function requestInFlight(server: ServerProcess) {
  const { port } = new URL(server.url);
  const socket: Socket = connect(Number(port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let answer = '';
  socket.on('data', (chunk) => {
    answer += chunk.toString('utf8');
  });
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
  return {
    finish: () => socket.write('\r\n'),
    answered: async () => {
      await closed;
      return answer;
    },
  };
}

/** The messages of the server's JSON log lines. */
const messages = (server: ServerProcess) =>
  server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);

/** Until the server has said it is stopping. */
const stoppingSaid = (server: ServerProcess) =>
  until(
    async () => messages(server).some((msg) => msg.startsWith('Stopping:')),
    'the server to say it is stopping',
  );

describe('a server asked to stop', () => {
  it('takes no new request, answers the one in flight, says so, and exits 0', async () => {
    const server = await serving({ SHUTDOWN_GRACE_SECONDS: '30' });
    const inFlight = await requestInFlight(server);
    server.child.kill('SIGTERM');
    await stoppingSaid(server);
    // Still there for the request in flight; closed to new ones.
    expect(server.child.exitCode).toBeNull();
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
    inFlight.finish();
    expect(await inFlight.answered()).toMatch(/^HTTP\/1\.1 200 /);
    expect((await server.exited).code).toBe(0);
    expect(messages(server)).toEqual(
      expect.arrayContaining([
        'Stopping: no new requests; waiting up to 30 s for those in flight.',
        'Stopped.',
      ]),
    );
  }, 60_000);

  it('cuts what is still in flight after SHUTDOWN_GRACE_SECONDS, says so, and exits 0', async () => {
    const server = await serving({ SHUTDOWN_GRACE_SECONDS: '1' });
    const inFlight = await requestInFlight(server);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(await inFlight.answered()).toBe('');
    expect(messages(server)).toEqual(
      expect.arrayContaining(['Stopping: requests still in flight after 1 s are cut.', 'Stopped.']),
    );
  }, 60_000);

  it('asked again while it waits, stops at once with exit code 1', async () => {
    const server = await serving({ SHUTDOWN_GRACE_SECONDS: '30' });
    await requestInFlight(server);
    server.child.kill('SIGTERM');
    await stoppingSaid(server);
    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(1);
    expect(messages(server)).toContain('Stopping at once: asked again.');
  }, 60_000);
});
