import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '@onbehalf/api-client/api-error';
import { createApiClient } from '@onbehalf/api-client/client';
import { TEST_KEY_HEADER } from '@onbehalf/contracts/test-mode';
import { startTestCluster, type TestCluster } from '../apps/bff/src/store/postgres/test-cluster.ts';
import { freeLoopbackPort, whereThingsAre } from '../apps/bff/src/test/server-processes.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const serverEntry = path.join(repoRoot, 'apps/bff/dist/server.js');
// The server serves the portal from PORTAL_DIST when set (passed on to it below).
const portalDir = path.resolve(repoRoot, process.env.PORTAL_DIST ?? 'apps/portal/dist');
const portalIndex = path.join(portalDir, 'index.html');
/** Where the server log is kept after the run, next to Playwright's own results. */
const keptLog = fileURLToPath(new URL('./test-results/server.log', import.meta.url));

const STARTUP_TIMEOUT_MS = 30_000;
const SHUTDOWN_TIMEOUT_MS = 5_000;

/**
 * With E2E_BASE_URL set, the suite runs against that server (a staging deployment, a
 * teammate's `pnpm start`), which must be in test mode; nothing is started. Otherwise it starts
 * the built BFF (which serves the built portal) in test mode on a free port of 127.0.0.1, with
 * a temporary data directory, and returns the teardown that stops it. With E2E_DB=postgres that
 * server runs on a throwaway PostgreSQL server (DATABASE_URL), started and stopped here too.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const given = process.env.E2E_BASE_URL;
  if (given) {
    await assertTestMode(given, process.env.ONBEHALF_TEST_MODE_KEY);
    return async () => undefined;
  }

  for (const file of [serverEntry, portalIndex]) {
    if (!existsSync(file)) {
      throw new Error(
        `${path.relative(repoRoot, file)} is missing: run pnpm build first (or pnpm test:e2e at the repository root), or set E2E_BASE_URL to a server in test mode.`,
      );
    }
  }

  // The suite's server asks for a key at /api/test/*, as a shared test server should: the kit
  // sends it (it reads ONBEHALF_TEST_MODE_KEY, passed on to the workers below).
  const testModeKey = randomBytes(24).toString('base64url');
  // With a key, the published demo password opens nothing (ADR 033): the demo one spec reads
  // (profiles.spec.ts) gets a password of this run's own.
  const demoPassword = randomBytes(18).toString('base64url');
  const port = await freeLoopbackPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'onbehalf-e2e-'));
  const logFile = path.join(dataDir, 'server.log');
  const log = createWriteStream(logFile);

  const cluster: TestCluster | null =
    process.env.E2E_DB === 'postgres' ? await startTestCluster() : null;
  const database = cluster
    ? { DATABASE_URL: cluster.url, ONBEHALF_SECRET: randomBytes(32).toString('base64url') }
    : {};

  const server = spawn(process.execPath, [serverEntry], {
    cwd: repoRoot,
    // Nothing of the runner's environment but where things are: a DATABASE_URL, SMTP_URL or
    // NODE_ENV exported for `pnpm start` in the same shell must never point a server in test
    // mode at a real database or mail server.
    env: {
      ...whereThingsAre(process.env),
      ...database,
      PORTAL_DIST: portalDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_ORIGIN: baseUrl,
      NODE_ENV: 'test',
      ONBEHALF_TEST_MODE: '1',
      ONBEHALF_TEST_MODE_KEY: testModeKey,
      ONBEHALF_DEMO_PASSWORD: demoPassword,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.pipe(log);
  server.stderr?.pipe(log);

  // If the runner dies before teardown (a closed output pipe, an uncaught error), do not leave
  // the server and its data behind. Exit handlers must be synchronous.
  const onRunnerExit = () => {
    server.kill('SIGKILL');
    cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', onRunnerExit);

  const teardown = async () => {
    process.off('exit', onRunnerExit);
    await stop(server);
    cluster?.stop();
    await new Promise<void>((resolve) => log.end(resolve));
    await mkdir(path.dirname(keptLog), { recursive: true });
    await copyFile(logFile, keptLog).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseUrl, server);
    await assertTestMode(baseUrl, testModeKey);
  } catch (error) {
    await teardown();
    const output = await readFile(keptLog, 'utf8').catch(() => '(no output)');
    throw new Error(`${(error as Error).message}\n--- server output ---\n${output}`);
  }

  // Workers start after this and inherit the environment: playwright.config.ts reads it.
  process.env.E2E_BASE_URL = baseUrl;
  process.env.ONBEHALF_TEST_MODE_KEY = testModeKey;
  process.env.E2E_DEMO_PASSWORD = demoPassword;
  return teardown;
}

/**
 * Every spec makes its own organization and moves its own clock through /api/test/*, so a
 * server without test mode would fail every test one by one: say why once, before any runs.
 */
async function assertTestMode(baseUrl: string, testModeKey: string | undefined): Promise<void> {
  const client = createApiClient({
    baseUrl,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(10_000) }),
    ...(testModeKey ? { headers: { [TEST_KEY_HEADER]: testModeKey } } : {}),
  });
  try {
    await client.test.clock();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new Error(
        `${baseUrl} is not in test mode: GET /api/test/clock answered 404. Start that server with ONBEHALF_TEST_MODE=1 (refused with NODE_ENV=production), or unset E2E_BASE_URL to let the suite start its own.`,
      );
    }
    if (error instanceof ApiError && error.code === 'test_key_required') {
      throw new Error(
        `${baseUrl} asks for its test mode key at /api/test/*: set ONBEHALF_TEST_MODE_KEY to the server's.`,
      );
    }
    if (error instanceof ApiError && error.status === 0) {
      throw new Error(`${baseUrl} could not be reached: is the server running there?`);
    }
    const why = error instanceof ApiError ? `${error.status} ${error.code}` : String(error);
    throw new Error(`${baseUrl} answered GET /api/test/clock with ${why}.`);
  }
}

/** Asks the OS for a free port: listen on port 0, read the port, release it. */
async function waitForHealth(baseUrl: string, server: ChildProcess): Promise<void> {
  let exited: string | null = null;
  server.once('exit', (code, signal) => {
    exited = `The server exited during startup (code ${code}, signal ${signal}).`;
  });
  const client = createApiClient({
    baseUrl,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(2_000) }),
  });

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    try {
      await client.call('health.live');
      return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The server did not answer GET /api/health within ${STARTUP_TIMEOUT_MS} ms.`);
}

/** SIGTERM, then SIGKILL if it has not exited within the bound. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
