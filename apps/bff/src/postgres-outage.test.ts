import { randomBytes } from 'node:crypto';
import { createApiClient } from '@onbehalf/api-client/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from './store/postgres/test-cluster.ts';
import { type ServerProcess, spawnServer, until, waitUntilReady } from './test/server-processes.ts';

/**
 * A PostgreSQL that goes away under a running server and comes back, as a restart or a
 * failover takes it (SPEC §8b, §11): a real server process on a throwaway PostgreSQL server of
 * its own, which the test stops and starts again (server-start.test.ts stops its own for good).
 */

let cluster: TestCluster | undefined;
let server: ServerProcess | undefined;

beforeAll(async () => {
  cluster = await startTestCluster();
  server = await spawnServer({
    DATABASE_URL: cluster.url,
    ONBEHALF_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: 'info',
  });
  await waitUntilReady(server);
}, 60_000);

afterAll(async () => {
  try {
    await server?.stop();
  } finally {
    cluster?.stop();
  }
}, 30_000);

describe('a PostgreSQL that goes away under a running server, and comes back', () => {
  it('is ready again and serves once it is back; the job runner says so once, not every second', async () => {
    if (!server || !cluster) throw new Error('the server did not start');
    const running = server;
    const api = createApiClient({ baseUrl: running.url });
    const before = running.output().length;
    const since = () => running.output().slice(before);
    cluster.pause();
    try {
      await expect(api.call('health.ready')).rejects.toMatchObject({ status: 503 });
      // The job runner polls once a second: down until it has failed once (that it says so
      // once however many polls fail is store/jobs.test.ts's, on a store that fails at will).
      await until(async () => since().includes('jobs could not be run'), 'a failed poll');
    } finally {
      cluster.resume();
    }
    await waitUntilReady(running, 15_000);
    const signedIn = await api.call('auth.signIn', {
      body: { email: 'member@acme.test', password: 'demo-password' },
    });
    expect(signedIn.session).toBeDefined();
    // An hour's outage is not 3,600 errors with a stack each, per process (found by a review).
    await until(async () => since().includes('"jobs run again"'), 'the job runner to say so');
    expect(
      since()
        .split('\n')
        .filter((line) => line.includes('jobs could not be run')),
    ).toHaveLength(1);
  }, 60_000);
});
