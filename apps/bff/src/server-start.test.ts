import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiClient } from '@onbehalf/api-client/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, demoAccounts } from './store/demo.ts';
import { openPostgres, postgresMigrationCounts } from './store/postgres/client.ts';
import { startTestCluster, type TestCluster } from './store/postgres/test-cluster.ts';
import { bundled } from './test/bundled.ts';
import {
  freeLoopbackPort,
  type ServerProcess,
  spawnServer,
  until,
  waitUntilReady,
} from './test/server-processes.ts';

/**
 * `pnpm start` with DATABASE_URL, as a deploy runs it (SPEC §11, issue 15 "Bad input and
 * faults"): real server processes on a throwaway PostgreSQL server.
 */

const secret = randomBytes(32).toString('base64url');
/** The migration lock's number: "onbehalf" in ASCII (store/postgres/client.ts). */
const MIGRATION_LOCK = BigInt(`0x${Buffer.from('onbehalf').toString('hex')}`).toString();

let cluster: TestCluster | undefined;
let admin: ReturnType<typeof openPostgres> | undefined;
let servers: ServerProcess[] = [];
/** The command line's bundle (`test/bundled.ts`). */
let cli: string | undefined;

beforeAll(async () => {
  cli = await bundled('cli');
  cluster = await startTestCluster();
  admin = openPostgres(cluster.url, { max: 2 });
  await admin.pool.query('CREATE DATABASE start_once');
}, 60_000);

afterAll(async () => {
  try {
    await Promise.all(servers.map((server) => server.stop()));
    await admin?.pool.end().catch(() => {});
  } finally {
    cluster?.stop();
  }
}, 30_000);

/** `pnpm db:migrate` and its siblings: the command line, run as a deploy step runs it. */
function command(args: string[], env: Record<string, string>) {
  if (!cli) throw new Error('the command line is bundled before the tests');
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', ONBEHALF_SECRET: secret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; output: string }>((resolve) => {
    // After its output is read to the end.
    child.once('close', (code) => resolve({ code, output }));
  });
  return { child, exited };
}

/**
 * A server that is to refuse to start: its exit code, what it printed line by line, and what
 * its DATA_DIR holds then. One that serves instead (at LOG_LEVEL=info its log says so) is
 * stopped, with code null, rather than waited for until the test times out.
 */
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
  const dataDirHolds = readdirSync(server.dataDir);
  await server.stop();
  return {
    code: exit ? exit.code : null,
    lines: server.output().trim().split('\n'),
    output: server.output(),
    dataDirHolds,
  };
}

describe('starting in production on an empty database', () => {
  const production = { NODE_ENV: 'production', ONBEHALF_TEST_MODE: '0', LOG_LEVEL: 'info' };
  const signIn = (url: string, password: string) =>
    fetch(`${url}/api/public/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'root@onbehalf.test', password }),
    });

  it('seeds no demo with the published password: it serves, says why, and no one signs in with it', async () => {
    // The secret the command below is given: one database, one secret (ADR 040).
    const server = await spawnServer({ ...production, ONBEHALF_SECRET: secret });
    try {
      await waitUntilReady(server);
      expect((await signIn(server.url, DEMO_PASSWORD)).status).toBe(401);
      expect(server.output()).toContain('seeds no demo with its published password');
      expect(server.output()).not.toContain(DEMO_PASSWORD);
      // The outbox is unreadable in production: mail sent there would reach no one.
      expect(server.output()).toContain(
        'sign-in links and welcome mails by email cannot be delivered until SMTP_URL is set',
      );
      expect(server.output()).not.toContain('Mail goes to the local outbox');
      // `pnpm db:seed` in production says the same, and fails the deploy step that asked.
      const seeded = await command(['seed'], { ...production, DATA_DIR: server.dataDir }).exited;
      expect(seeded.code).toBe(1);
      expect(seeded.output).toContain('seeds no demo with its published password');
      expect((await signIn(server.url, DEMO_PASSWORD)).status).toBe(401);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it('refuses a database whose demo still signs in with the published password: one line, exit code 1', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-demo-'));
    try {
      // Seeded outside production, then started in production on the same database.
      const development = await spawnServer({ NODE_ENV: 'development', DATA_DIR: dataDir });
      await waitUntilReady(development);
      await development.stop();
      const { code, lines } = await startRefused({ ...production, DATA_DIR: dataDir });
      expect(code).toBe(1);
      expect(lines).toEqual([
        expect.stringMatching(
          /^onbehalf: NODE_ENV=production is refused: owner@acme\.test, .*root@onbehalf\.test still sign in with the published demo password/,
        ),
      ]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses, on a test server given a key, a database whose demo has the published password', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-demo-'));
    try {
      const development = await spawnServer({ NODE_ENV: 'development', DATA_DIR: dataDir });
      await waitUntilReady(development);
      await development.stop();
      const keyed = {
        NODE_ENV: 'test',
        ONBEHALF_TEST_MODE: '1',
        ONBEHALF_TEST_MODE_KEY: randomBytes(18).toString('base64url'),
        DATA_DIR: dataDir,
      };
      const { code, lines } = await startRefused(keyed);
      expect(code).toBe(1);
      expect(lines).toEqual([
        expect.stringMatching(
          /^onbehalf: ONBEHALF_TEST_MODE_KEY is refused: owner@acme\.test, .*root@onbehalf\.test still sign in with the published demo password/,
        ),
      ]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('seeds the demo with a password of its operator’s own, and never prints it', async () => {
    const own = randomBytes(12).toString('base64url');
    const server = await spawnServer({ ...production, ONBEHALF_DEMO_PASSWORD: own });
    try {
      await waitUntilReady(server);
      expect((await signIn(server.url, DEMO_PASSWORD)).status).toBe(401);
      expect((await signIn(server.url, own)).status).toBe(200);
      expect(server.output()).toContain('Seeded the demo');
      expect(server.output()).not.toContain(own);
    } finally {
      await server.stop();
    }
  }, 60_000);
});

describe('a start the environment does not allow', () => {
  it.each([
    [
      'a PORT another process holds',
      'PORT',
      /^onbehalf: PORT \d+ is taken on HOST 127\.0\.0\.1 \(EADDRINUSE\)/,
    ],
    [
      'a HOST that is not an address of this machine',
      'HOST',
      /^onbehalf: HOST 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\)/,
    ],
  ])(
    'refuses %s in one line naming it, exit code 1, its databases closed',
    async (_, name, line) => {
      const squatter = createServer();
      const port = await freeLoopbackPort();
      await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
      try {
        const refused = await startRefused(
          name === 'PORT' ? { PORT: String(port) } : { HOST: '192.0.2.1' },
        );
        expect(refused.code).toBe(1);
        expect(refused.lines).toEqual([expect.stringMatching(line)]);
        // Closed as on any other refused start: SQLite's write-ahead logs folded in and gone.
        expect(refused.dataDirHolds).toContain('onbehalf.db');
        expect(refused.dataDirHolds.filter((file) => /-(wal|shm)$/.test(file))).toEqual([]);
      } finally {
        squatter.close();
      }
    },
    60_000,
  );

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateJwk = privateKey.export({ format: 'jwk' });
  it.each([
    // Coerced, it was port 0: a random port, and links to localhost:0.
    ['an empty PORT', 'PORT', ''],
    [
      'a RATE_LIMIT_ALLOWLIST separated by semicolons',
      'RATE_LIMIT_ALLOWLIST',
      '10.0.0.0/8;192.168.0.0/16',
    ],
    ['an ALLOWED_HOSTS entry that is not a host name', 'ALLOWED_HOSTS', 'portal example.com'],
    // One quote lost when pasted into a secret store.
    [
      'a SESSION_SIGNING_JWK that is not JSON',
      'SESSION_SIGNING_JWK',
      JSON.stringify(privateJwk).replace('"d":"', '"d":'),
    ],
    // Served, it was published in the JWKS, and every session JWT answered 500.
    [
      'a SESSION_SIGNING_JWK without its private part',
      'SESSION_SIGNING_JWK',
      JSON.stringify(publicKey.export({ format: 'jwk' })),
    ],
  ])(
    'refuses %s before touching DATA_DIR: one line naming it, exit code 1',
    async (_, name, value) => {
      const refused = await startRefused({ LOG_LEVEL: 'info', [name]: value });
      expect(refused.code).toBe(1);
      expect(refused.lines).toEqual([expect.stringMatching(new RegExp(`^onbehalf: .*${name}: `))]);
      // Nothing made, migrated, seeded or keyed for a start that never served.
      expect(refused.dataDirHolds).toEqual([]);
      // Nothing of a private key repeated.
      expect(refused.output).not.toContain(String(privateJwk.d).slice(0, 8));
    },
    60_000,
  );
});

// Before the servers' tests: the last of those stops the database server.
describe('starting on a SQLite database with work waiting', () => {
  it('serves while the audit search index catches up at start, as after an upgrade that rebuilds it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-catch-up-'));
    // In production, whose start-up checks wait on the database before the server listens.
    const production = {
      NODE_ENV: 'production',
      ONBEHALF_TEST_MODE: '0',
      ONBEHALF_DEMO_PASSWORD: randomBytes(12).toString('base64url'),
      DATA_DIR: dataDir,
    };
    try {
      const first = await spawnServer(production);
      await waitUntilReady(first);
      // One event in the trail: a sign-in that failed.
      const failed = await fetch(`${first.url}/api/public/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'root@onbehalf.test', password: 'not the password' }),
      });
      expect(failed.status).toBe(401);
      await first.stop();
      // The trail's index to be built again from the first event (migration 0018 does this).
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path.join(dataDir, 'onbehalf.db'));
      db.prepare("INSERT INTO audit_fts (audit_fts) VALUES ('delete-all')").run();
      db.prepare('UPDATE audit_search_progress SET indexed_through = 0').run();
      db.close();
      // The first commits happen before the server listens: they may not stop it.
      const second = await spawnServer(production);
      try {
        await waitUntilReady(second);
        expect(second.output()).not.toContain('A commit failed');
        const res = await fetch(`${second.url}/api/health`);
        expect(res.status).toBe(200);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a SQLite server whose repeat counters are set back under it', () => {
  it('says so in its log, as an error, at the next count (ADR 048)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-repeats-'));
    const server = await spawnServer({ DATA_DIR: dataDir, ONBEHALF_TEST_MODE: '0' });
    const failSignIn = async () => {
      const res = await fetch(`${server.url}/api/public/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'root@onbehalf.test', password: 'not the password' }),
      });
      expect(res.status).toBe(401);
    };
    try {
      await waitUntilReady(server);
      // The first failure of the minute is written; the next two are only counted.
      for (let i = 0; i < 3; i++) await failSignIn();
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path.join(dataDir, 'onbehalf.db'));
      db.pragma('busy_timeout = 5000');
      expect(db.prepare('UPDATE audit_repeats SET count = 1').run().changes).toBe(1);
      db.close();
      await failSignIn();
      const said = 'A repeat counter in the database holds fewer than this process counted';
      await until(async () => server.output().includes(said), 'the server to say so');
      const line = server
        .output()
        .split('\n')
        .find((l) => l.includes(said));
      expect(JSON.parse(line ?? '{}')).toMatchObject({
        level: 'error',
        counted: 4,
        stored: 2,
        lost: 2,
      });
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('pnpm db:migrate with DATABASE_URL', () => {
  it("migrates PostgreSQL under the servers' lock: run twice at once while a migration holds it, both wait and succeed", async () => {
    if (!cluster || !admin) throw new Error('no cluster');
    await admin.pool.query('CREATE DATABASE migrate_step');
    const url = cluster.urlFor('migrate_step');
    const { db, pool } = openPostgres(url, { max: 2 });
    try {
      const holder = await pool.connect();
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      let runs: ReturnType<typeof command>[];
      try {
        runs = [
          command(['migrate'], { DATABASE_URL: url }),
          command(['migrate'], { DATABASE_URL: url }),
        ];
        await until(
          async () =>
            (
              await pool.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
              )
            ).rows[0]?.n === 2,
          'two migrations waiting for the lock',
        );
        for (const run of runs) expect(run.child.exitCode).toBeNull();
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
        holder.release();
      }
      for (const run of runs)
        expect(await run.exited).toEqual({ code: 0, output: 'Migrations applied.\n' });
      expect(await postgresMigrationCounts(db)).toEqual({ unapplied: 0, unknown: 0 });
      // Migrating is not seeding: the demo comes with `pnpm start` or `pnpm db:seed`.
      const users = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
      expect(users.rows[0]?.n).toBe(0);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('says in one line, exit code 1, when PostgreSQL does not answer', async () => {
    const closed = await freeLoopbackPort();
    const { code, output } = await command(['migrate'], {
      DATABASE_URL: `postgres://onbehalf:hunter2@127.0.0.1:${closed}/onbehalf`,
    }).exited;
    expect(code).toBe(1);
    expect(output).toMatch(
      new RegExp(
        `^onbehalf: Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${closed}/onbehalf \\([^\\n]*\\n$`,
      ),
    );
    expect(output).not.toContain('hunter2');
  }, 30_000);
});

describe('starting on a PostgreSQL the role may not migrate', () => {
  it('says what PostgreSQL answered in one line, exit code 1, the server and the command alike', async () => {
    if (!cluster || !admin) throw new Error('the test cluster did not start');
    // PostgreSQL 15 and newer: a role that neither owns the database nor holds CREATE on it may
    // connect, and may not create the migrations' schema or tables: a common first deploy.
    // drizzle's own message is the statement it sent, over two lines (found by a review).
    await admin.pool.query('CREATE ROLE app_no_create LOGIN');
    await admin.pool.query('CREATE DATABASE owned_by_someone_else');
    const url = cluster.urlFor('owned_by_someone_else').replace('postgres@', 'app_no_create@');
    const refusal =
      /^onbehalf: PostgreSQL at [^ ]+ refused: permission denied .*\(SQLSTATE 42501\)/;
    const started = await startRefused({ DATABASE_URL: url, ONBEHALF_SECRET: secret });
    expect(started.code).toBe(1);
    expect(started.lines).toEqual([expect.stringMatching(refusal)]);
    expect(started.lines[0]).toContain('must own the database');
    const migrated = await command(['migrate'], { DATABASE_URL: url }).exited;
    expect(migrated.code).toBe(1);
    expect(migrated.output.trim().split('\n')).toEqual([expect.stringMatching(refusal)]);
  }, 60_000);
});

describe('starting on PostgreSQL', () => {
  it('refuses to start when PostgreSQL does not answer: one line on stderr, exit code 1', async () => {
    const closed = await freeLoopbackPort();
    const { code, lines, output } = await startRefused({
      DATABASE_URL: `postgres://onbehalf:hunter2@127.0.0.1:${closed}/onbehalf`,
      ONBEHALF_SECRET: secret,
    });
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^onbehalf: Cannot reach PostgreSQL at 127\\.0\\.0\\.1:${closed}/onbehalf \\(.*ECONNREFUSED`,
        ),
      ),
    ]);
    expect(output).not.toContain('hunter2');
  }, 60_000);

  it('three processes started at once on an empty database wait for one migration and come up as one service', async () => {
    if (!cluster) throw new Error('no cluster');
    const url = cluster.urlFor('start_once');
    // Advisory locks are per database: held on the one the processes migrate.
    const { pool } = openPostgres(url, { max: 2 });
    const count = async (query: string) =>
      (await pool.query<{ n: number }>(query)).rows[0]?.n ?? -1;
    try {
      // Someone else is migrating: every process must wait for the lock, none may fail.
      const holder = await pool.connect();
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        servers = await Promise.all(
          [0, 1, 2].map(() =>
            spawnServer({ DATABASE_URL: url, ONBEHALF_SECRET: secret, LOG_LEVEL: 'info' }),
          ),
        );
        await until(
          async () =>
            (await count(
              "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            )) === 3,
          'three processes waiting for the migration lock',
        );
        for (const server of servers) expect(server.child.exitCode).toBeNull();
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
        holder.release();
      }
      await Promise.all(servers.map((server) => waitUntilReady(server)));

      // The demo was written once, by one of them, and one signing key made.
      expect(await count('SELECT count(*)::int AS n FROM users')).toBe(demoAccounts.length);
      expect(await count('SELECT count(*)::int AS n FROM signing_keys')).toBe(1);
      const seededBy = servers.filter((server) => server.output().includes('Seeded the demo'));
      expect(seededBy).toHaveLength(1);
    } finally {
      await pool.end();
    }

    // One key for every process: a session signed by one verifies on any other.
    const jwks = await Promise.all(
      servers.map((server) => createApiClient({ baseUrl: server.url }).call('auth.jwks')),
    );
    expect(jwks[0]?.keys).toHaveLength(1);
    expect(jwks[1]).toEqual(jwks[0]);
    expect(jwks[2]).toEqual(jwks[0]);
  }, 90_000);

  it('says so in its log when the audit trail is cut back under it', async () => {
    const server = servers[1];
    if (!server || !cluster) throw new Error('the servers did not start');
    const { pool } = openPostgres(cluster.urlFor('start_once'), { max: 1 });
    try {
      await createApiClient({ baseUrl: server.url }).auth.signIn({
        email: 'owner@acme.test',
        password: DEMO_PASSWORD,
      });
      const newest = async () =>
        (await pool.query<{ id: number }>('SELECT max(id)::int AS id FROM audit_events')).rows[0]
          ?.id ?? 0;
      const last = await newest();
      expect(last).toBeGreaterThan(0);
      // Within a second the process keeps that head outside the database, in its own DATA_DIR.
      const witness = path.join(server.dataDir, 'audit-head.postgres.json');
      await until(
        async () => existsSync(witness) && JSON.parse(readFileSync(witness, 'utf8')).id === last,
        'the process to keep the newest head',
      );
      // Someone with the database's keys, but not the chain's, removes the newest event.
      await pool.query(`BEGIN;
        SET LOCAL session_replication_role = replica;
        DELETE FROM audit_events WHERE id = ${last};
        COMMIT;`);
      await until(
        async () => server.output().includes('The audit trail no longer holds the head'),
        'the process to notice the cut',
      );
      const line = server
        .output()
        .split('\n')
        .find((l) => l.includes('The audit trail no longer holds the head'));
      expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 'error' });
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('refuses test mode on a database that holds a real person: one line, exit code 1', async () => {
    if (!cluster) throw new Error('no cluster');
    await admin?.pool.query('CREATE DATABASE real_people');
    const url = cluster.urlFor('real_people');
    // Test mode on test people only: it starts (and seeds the demo, all under .test).
    const first = await spawnServer({ DATABASE_URL: url, ONBEHALF_SECRET: secret });
    await waitUntilReady(first);
    await first.stop();
    const { pool } = openPostgres(url, { max: 1 });
    try {
      // Its start marked the database: no process adds a real person to it any more.
      const marked = await pool.query("SELECT key FROM settings WHERE key = 'test_database'");
      expect(marked.rowCount).toBe(1);
      const jane =
        "INSERT INTO users (email, name, kind, created_at) VALUES ('Jane@RealCorp.com', 'Jane', 'customer', 0)";
      // Not even a statement of its own: the database refuses it.
      await expect(pool.query(jane)).rejects.toMatchObject({ code: 'OB001' });
      // Unless by the table's owner's hand, its guard switched off, as here.
      await pool.query('ALTER TABLE users DISABLE TRIGGER users_test_people_only');
      await pool.query(jane);
      await pool.query('ALTER TABLE users ENABLE TRIGGER users_test_people_only');
    } finally {
      await pool.end();
    }
    const second = await startRefused({ DATABASE_URL: url, ONBEHALF_SECRET: secret });
    expect(second.code).toBe(1);
    expect(second.lines).toEqual([
      expect.stringMatching(
        /^onbehalf: ONBEHALF_TEST_MODE=1 is refused: the database holds accounts outside the \.test domain/,
      ),
    ]);
    // Without test mode, the same database serves.
    const third = await spawnServer({
      DATABASE_URL: url,
      ONBEHALF_SECRET: secret,
      ONBEHALF_TEST_MODE: '0',
    });
    await waitUntilReady(third);
    await third.stop();
  }, 90_000);

  it('answers 503 with the error envelope, never a 500, when PostgreSQL goes away, and keeps running', async () => {
    const [server] = servers;
    if (!server || !cluster) throw new Error('the servers did not start');
    const api = createApiClient({ baseUrl: server.url });
    const preview = () => api.links.previewOneClick({ userId: 1, hash: 'no-such-link' });
    await expect(preview()).resolves.toMatchObject({ status: expect.any(String) });

    cluster.stop();
    const lost = await fetch(`${server.url}/api/public/auth/one-click/preview`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 1, hash: 'no-such-link' }),
    });
    expect(lost.status).toBe(503);
    expect(lost.headers.get('retry-after')).toBe('1');
    expect(await lost.json()).toEqual({
      error: { code: 'not_ready', message: 'The database did not answer. Try again in a moment.' },
    });
    await expect(api.call('health.ready')).rejects.toMatchObject({
      status: 503,
      code: 'not_ready',
    });
    expect(server.child.exitCode).toBeNull();
    expect((await api.call('health.live')).ok).toBe(true);
  }, 60_000);
});
