import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundled } from './bundled.ts';

/**
 * Real server processes for tests that need more than one app in memory: the server as
 * `pnpm build` bundles it (`bundled.ts`), each on a free loopback port of its own, with its own
 * temporary DATA_DIR, in test mode unless told otherwise. Their environment is only what the
 * caller gives (plus PATH and HOME), never the test runner's, so nothing leaks in from it.
 */

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const OUTPUT_LIMIT = 200_000;
const STOP_TIMEOUT_MS = 5_000;

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  dataDir: string;
  child: ChildProcess;
  /** What it wrote on stdout and stderr so far (the last 200 kB). */
  output(): string;
  /** Settles when the process has exited, however it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s; then its DATA_DIR goes. */
  stop(): Promise<void>;
}

/** Asks the OS for a free port of 127.0.0.1: listen on port 0, read the port, release it. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('No free port was found.'))));
    });
  });
}

/**
 * What a server started for tests or the bench takes from the caller's environment: where
 * things are, nothing more. A DATABASE_URL, ONBEHALF_SECRET, SMTP_URL or NODE_ENV exported for
 * `pnpm start` in the same shell must never point such a server (in test mode, or about to
 * write a fixture) at a real database or mail server.
 */
export function whereThingsAre(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR', 'LANG']
      .map((name) => [name, env[name]])
      .filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * Starts one server and returns at once, listening or not: `waitUntilReady` waits for it. `env`
 * is added to (and overrides) NODE_ENV=test, ONBEHALF_TEST_MODE=1, LOG_LEVEL=warn, the port,
 * PUBLIC_ORIGIN and DATA_DIR. `entry` is another copy of the bundled server to start.
 */
export async function spawnServer(
  env: Record<string, string> = {},
  entry?: string,
): Promise<ServerProcess> {
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-server-'));
  const child = spawn(process.execPath, [entry ?? (await bundled('server'))], {
    cwd: packageDir,
    env: {
      ...whereThingsAre(process.env),
      NODE_ENV: 'test',
      ONBEHALF_TEST_MODE: '1',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_ORIGIN: url,
      DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      keep(Buffer.from(`${error.message}\n`));
      resolve({ code: null, signal: null });
    });
  });
  // If the test runner dies first, the server must not outlive it (exit handlers are
  // synchronous: no waiting here).
  const onRunnerExit = () => {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', onRunnerExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      process.off('exit', onRunnerExit);
      rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  return { url, dataDir, child, output: () => output, exited, stop };
}

/**
 * Waits until the server answers GET /api/health/ready with 200; throws with its output when
 * it exits first or does not get there within `timeoutMs`.
 */
export async function waitUntilReady(server: ServerProcess, timeoutMs = 40_000): Promise<void> {
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void server.exited.then((ended) => {
    exit = ended;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit) {
      throw new Error(
        `The server at ${server.url} exited while starting (code ${exit.code}, signal ${exit.signal}):\n${server.output()}`,
      );
    }
    try {
      const response = await fetch(`${server.url}/api/health/ready`, {
        signal: AbortSignal.timeout(2_000),
      });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `The server at ${server.url} was not ready within ${timeoutMs} ms:\n${server.output()}`,
  );
}

/**
 * Starts `count` servers at once with the same `env` and waits until every one is ready. If
 * one does not get there, all are stopped and the error says why.
 */
export async function startServers(
  count: number,
  env: Record<string, string> = {},
  timeoutMs?: number,
): Promise<ServerProcess[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => spawnServer(env)));
  try {
    await Promise.all(servers.map((server) => waitUntilReady(server, timeoutMs)));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  return servers;
}

/** Waits until `condition` holds, polling; throws naming `what` past the deadline. */
export async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
