import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createApiClient } from '@onbehalf/api-client/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli/test-commands.ts';
import { openPostgres } from './store/postgres/client.ts';
import {
  postgresBinDir,
  startTestCluster,
  type TestCluster,
} from './store/postgres/test-cluster.ts';
import { type ServerProcess, spawnServer, until, waitUntilReady } from './test/server-processes.ts';

/**
 * An operator's bad day with PostgreSQL (SPEC §8b, §11): real server processes on a throwaway
 * PostgreSQL server, which the tests take away from under them in the ways a deploy meets.
 */

const secret = randomBytes(32).toString('base64url');

let cluster: TestCluster | undefined;
let admin: ReturnType<typeof openPostgres> | undefined;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  admin = openPostgres(cluster.url, { max: 2 });
}, 60_000);

afterAll(async () => {
  try {
    await Promise.all(servers.map((server) => server.stop()));
    await admin?.pool.end().catch(() => {});
  } finally {
    cluster?.stop();
  }
}, 30_000);

/** A server that is to refuse to start: its exit code and what it printed, line by line. */
async function startRefused(env: Record<string, string>) {
  const server = await spawnServer(env);
  let exit: { code: number | null } | undefined;
  void server.exited.then((ended) => {
    exit = ended;
  });
  await until(
    async () => exit !== undefined || server.output().includes('onbehalf is running'),
    'the server to refuse to start, or to serve',
  );
  await server.stop();
  return { code: exit ? exit.code : null, lines: server.output().trim().split('\n') };
}

describe('starting on a PostgreSQL the role may not migrate', () => {
  it('says why in one line (the database refused: permission denied), exit code 1', async () => {
    if (!cluster || !admin) throw new Error('no cluster');
    // PostgreSQL 15 and newer: a role that is neither the database's owner nor granted CREATE
    // may connect, and may not create the migrations' schema or tables: a common first deploy.
    await admin.pool.query('CREATE ROLE app_no_create LOGIN');
    await admin.pool.query('CREATE DATABASE owned_by_someone_else');
    const url = cluster.urlFor('owned_by_someone_else').replace('postgres@', 'app_no_create@');
    const { code, lines } = await startRefused({ DATABASE_URL: url, ONBEHALF_SECRET: secret });
    expect(code).toBe(1);
    // One line, and it says what PostgreSQL said: not the SQL the migration sent.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^onbehalf: PostgreSQL at .* refused: permission denied .*42501/);
    expect(lines[0]).toContain('must own the database');
    // A deploy's separate step says the same.
    const migrate = await cli(['migrate'], { DATABASE_URL: url, ONBEHALF_SECRET: secret });
    expect([migrate.code, migrate.stderr.trim().split('\n')]).toEqual([
      1,
      [expect.stringMatching(/^onbehalf: PostgreSQL at .* refused: permission denied .*42501/)],
    ]);
  }, 60_000);
});

/** pg_ctl on the test cluster, as its own user (test-cluster.ts). */
function pgCtl(args: string[]) {
  if (!cluster) throw new Error('no cluster');
  const bin = postgresBinDir();
  if (!bin) throw new Error('no PostgreSQL');
  const data = join(cluster.directory, 'data');
  const program = join(bin, 'pg_ctl');
  if (process.getuid?.() === 0) {
    execFileSync('runuser', ['-u', 'postgres', '--', program, '-D', data, ...args], {
      stdio: 'pipe',
    });
  } else execFileSync(program, ['-D', data, ...args], { stdio: 'pipe' });
}

describe('a PostgreSQL that goes away under a running server, and comes back', () => {
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    if (!cluster || !admin) throw new Error('no cluster');
    await admin.pool.query('CREATE DATABASE comes_back');
    server = await spawnServer({
      DATABASE_URL: cluster.urlFor('comes_back'),
      ONBEHALF_SECRET: secret,
      LOG_LEVEL: 'info',
    });
    servers.push(server);
    await waitUntilReady(server);
  }, 60_000);

  it('is ready again, and serves, once PostgreSQL is back; the job runner says so once, not every second', async () => {
    if (!server) throw new Error('no server');
    const api = createApiClient({ baseUrl: server.url });
    const before = server.output().length;
    pgCtl(['-m', 'fast', '-w', 'stop']);
    try {
      await expect(api.call('health.ready')).rejects.toMatchObject({ status: 503 });
      // An outage of a few seconds, as a failover or a restart takes.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    } finally {
      // Started again as test-cluster.ts starts it: the same port and socket directory.
      const options = `-p ${cluster?.port} -k ${cluster?.directory} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off`;
      pgCtl(['-o', options, '-l', join(cluster?.directory ?? '', 'server.log'), '-w', 'start']);
    }
    await waitUntilReady(server, 15_000);
    const session = await api.call('auth.signIn', {
      body: { email: 'member@acme.test', password: 'demo-password' },
    });
    expect(session.session).toBeDefined();
    // What the outage wrote to the log: the job runner's poll (once a second) says the
    // database is gone once per outage, as the audit anchor and the housekeeping do, not at
    // every poll: an hour's outage is not 3,600 errors with a stack each, per process.
    const jobErrors = server
      .output()
      .slice(before)
      .split('\n')
      .filter((line) => line.includes('jobs could not be run'));
    expect(jobErrors).toHaveLength(1);
    // And once that it is back, at its next poll.
    await until(
      async () => server?.output().slice(before).includes('"jobs run again"') ?? false,
      'the job runner to say it runs again',
    );
  }, 60_000);
});
