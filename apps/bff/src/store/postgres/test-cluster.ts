import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openPostgres } from './client.ts';

/**
 * A throwaway PostgreSQL server for tests and the benchmark: a new cluster in a temporary
 * directory (initdb), on a free loopback port, trust auth, its socket in that directory, and
 * durability switched off (nothing in it outlives the run) unless `durable` asks for a server
 * that syncs every commit as a production one does (the benchmark); `settings` are passed on
 * as `-c name=value` (no spaces). `stop()` ends it and removes it.
 *
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` system
 * user and its programs run through `runuser`.
 */
export interface TestCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** Its data, log and socket; removed by stop(). */
  directory: string;
  /** A URL for another database on the same server. */
  urlFor(database: string): string;
  /** Stops the server as a restart or a failover does, its data kept; `resume()` starts it. */
  pause(): void;
  resume(): void;
  stop(): void;
  /**
   * `stop()` without blocking the event loop: for a process that must go on answering
   * meanwhile (Vitest's main process, where a run's cluster holds gigabytes of databases).
   */
  end(): Promise<void>;
}

/** Where initdb and pg_ctl are: on the PATH, else Debian's versioned directory. */
export function postgresBinDir(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir;
  }
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return null;
  const newest = readdirSync(debian)
    .filter((v) => existsSync(join(debian, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(debian, newest, 'bin') : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function systemUserIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startTestCluster({
  durable = false,
  settings = {},
}: {
  durable?: boolean;
  settings?: Record<string, string>;
} = {}): Promise<TestCluster> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL is not installed (initdb and pg_ctl not found); on Debian: apt-get install -y postgresql',
    );
  }
  const root = mkdtempSync(join(tmpdir(), 'onbehalf-pg-'));
  const data = join(root, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = systemUserIds('postgres');
    chownSync(root, uid, gid);
  }
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
      : [join(bin, program), args];
  const run = (program: string, args: string[]) =>
    execFileSync(...command(program, args), { stdio: 'pipe' });

  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${root}`,
    '-c listen_addresses=127.0.0.1',
    // A test server: nothing in it needs to survive a crash. A durable one keeps
    // PostgreSQL's defaults (fsync, synchronous_commit and full_page_writes on).
    ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    '-c max_connections=200',
    ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  const start = () =>
    run('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'server.log'), '-w', 'start']);
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  const stopNow = ['-D', data, '-m', 'immediate', '-w', 'stop'];
  const urlFor = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor('postgres'),
    port,
    directory: root,
    urlFor,
    pause: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    resume: start,
    stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', stopNow);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    async end() {
      if (stopped) return;
      stopped = true;
      try {
        await promisify(execFile)(...command('pg_ctl', stopNow));
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Creates a database under a real language's collation (ICU en-US), as production databases
 * are, not the cluster's "C": what must not depend on the locale (name order, lower()) is then
 * tested for it. Falls back to the cluster's default where ICU is not built in.
 */
export async function createLocaleDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = openPostgres(serverUrl, { max: 1 });
  try {
    await admin.pool
      .query(
        `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`,
      )
      .catch(() => admin.pool.query(`CREATE DATABASE ${name}`));
  } finally {
    await admin.pool.end();
  }
}
