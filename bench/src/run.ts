/**
 * pnpm bench — measures the hot paths of the production build against a calibration route
 * in the same server and run. See bench/README.md for what each figure means.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { seedLoadFixture } from './fixture.ts';
import {
  type Ctx,
  pool,
  runScenario,
  type ScenarioResult,
  type ScenarioSpec,
} from './scenarios.ts';
import { freePort, type RunningServer, startServer } from './server.ts';
import { applyRatios, check, rssUnderLoad } from './targets.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k ?? '', v ?? 'true'] as const;
  }),
);
const duration = Number(args.get('duration') ?? 5);
const connections = Number(args.get('connections') ?? 10);
const auditEvents = Number(args.get('audit-events') ?? 1_000_000);
const users = Number(args.get('users') ?? 10_000);
const poolSize = Number(args.get('pool') ?? 30_000);
/** --only=audit,one-click runs the calibration and the scenarios whose names contain these. */
const only = (args.get('only') ?? '').split(',').filter(Boolean);
const DEMO_PASSWORD = 'demo-password';
/** Requests of each scenario sent, and answered, before it is measured. */
const WARM_UP_REQUESTS = 400;

function log(message: string) {
  process.stdout.write(`${message}\n`);
}

async function json<T>(
  origin: string,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${origin}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const signIn = (origin: string, email: string) =>
  json<{ token: string }>(origin, 'POST', '/api/public/auth/sign-in', undefined, {
    email,
    password: DEMO_PASSWORD,
  }).then((r) => r.token);

function portalSizes() {
  const dist = path.join(root, 'apps/portal/dist');
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(js|css))"/g)];
  let js = 0;
  let css = 0;
  for (const [, ref, ext] of refs) {
    const size = gzipSync(readFileSync(path.join(dist, ref ?? ''))).length;
    if (ext === 'js') js += size;
    else css += size;
  }
  return { initialJsGzipKB: js / 1024, initialCssGzipKB: css / 1024 };
}

async function main() {
  const entry = path.join(root, 'apps/bff/dist/server.js');
  if (
    !existsSync(entry) ||
    !existsSync(path.join(root, 'apps/portal/dist/index.html')) ||
    args.has('build')
  ) {
    log('Building…');
    execSync('pnpm build', { cwd: root, stdio: 'inherit' });
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-bench-'));
  const port = await freePort();
  let server: RunningServer | undefined;
  try {
    log(`Data in ${dataDir}; migrating and seeding the demo…`);
    server = await startServer({ entry, cwd: root, dataDir, port });
    await server.stop();

    log(
      `Seeding ${users} users, ${poolSize} one-click links and login tokens, ${auditEvents} audit events…`,
    );
    const fixture = seedLoadFixture(path.join(dataDir, 'onbehalf.db'), {
      users,
      auditEvents,
      oneClickLinks: poolSize,
      loginTokens: poolSize,
      sessions: poolSize,
    });

    // Cold start: a new process on the existing, now large, database.
    server = await startServer({ entry, cwd: root, dataDir, port, env: { RATE_LIMITS: 'off' } });
    const coldStartMs = server.coldStartMs;
    const origin = server.origin;
    log(`Cold start ${coldStartMs.toFixed(0)} ms. Signing the actors in…`);

    const member = await signIn(origin, fixture.memberEmails[0] as string);
    const admin = await signIn(origin, fixture.adminEmail);
    const operator = await signIn(origin, 'root@onbehalf.test');
    const middleCursor = String(Math.floor(auditEvents / 2));
    const defaults = { duration, connections };
    const results: ScenarioResult[] = [];
    const run = async (spec: ScenarioSpec) => {
      const isCalibration = spec.name.startsWith('calibration');
      if (only.length && !isCalibration && !only.some((o) => spec.name.includes(o))) return;
      // Not measured: the scenario's own code runs JIT-compiled before the clock starts.
      const warmUpRequests = spec.warmUpRequests ?? WARM_UP_REQUESTS;
      const warmUp = await runScenario(
        origin,
        { ...spec, options: { ...spec.options, amount: warmUpRequests } },
        defaults,
      );
      const measured =
        spec.options.amount === undefined
          ? spec
          : { ...spec, options: { ...spec.options, amount: spec.options.amount - warmUpRequests } };
      const cpuBefore = server?.cpuMs() ?? 0;
      const result = await runScenario(origin, measured, defaults);
      // A failure while warming up is a failure of the scenario all the same.
      result.errors += warmUp.errors;
      result.non2xx += warmUp.non2xx;
      result.rssMiB = server?.rssMiB();
      result.serverCpuUsPerRequest =
        (((server?.cpuMs() ?? 0) - cpuBefore) * 1000) / Math.max(1, result.requests);
      results.push(result);
      log(
        `  ${spec.name.padEnd(38)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  server CPU ${result.serverCpuUsPerRequest.toFixed(0)} µs/req  errors ${result.errors + result.non2xx}`,
      );
      return result;
    };

    log('Warming up…');
    await runScenario(
      origin,
      { name: 'warm-up', options: { url: `${origin}/api/health`, duration: 2 } },
      defaults,
    );
    const rssAfterWarmUp = server.rssMiB();

    log('Scenarios:');
    const calibrationSpec: ScenarioSpec = {
      name: 'calibration: GET /api/health',
      options: { url: `${origin}/api/health` },
    };
    const calibration = (await run(calibrationSpec)) as ScenarioResult;
    await run({
      name: 'session check (bearer)',
      target: { ratio: 0.5 },
      options: {
        url: `${origin}/api/public/auth/session`,
        headers: { authorization: `Bearer ${member}` },
      },
    });
    await run({
      name: 'session check (cookie)',
      options: {
        url: `${origin}/api/public/auth/session`,
        headers: { cookie: `__Host-ob_session=${member}` },
      },
    });
    await run({
      name: 'profiles list',
      target: { ratio: 0.35 },
      options: {
        url: `${origin}/api/public/coworkers/profiles`,
        headers: { authorization: `Bearer ${member}` },
      },
    });

    // A switch rotates the session (the old token dies), so each request takes a fresh one.
    const switchSessions = pool(fixture.sessions);
    await run({
      name: 'profile switch',
      options: {
        amount: fixture.sessions.length,
        requests: [
          {
            method: 'PUT',
            path: '/api/public/coworkers/profiles/current',
            setupRequest: (req) => {
              const { token, profileId } = switchSessions.take();
              return {
                ...req,
                headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
                body: JSON.stringify({ Id: profileId }),
              };
            },
          },
        ],
      },
      note: `pool of ${fixture.sessions.length} sessions, each switched once`,
    });

    // Impersonation: the admin's session asks for a hand-off token, then exchanges it.
    const targetsPool = pool(fixture.memberProfileIds);
    const impersonationTokens: string[] = [];
    await run({
      name: 'impersonation issue + exchange',
      target: { ratio: 0.15 },
      unit: 'pair',
      stepsPerUnit: 2,
      options: {
        headers: { authorization: `Bearer ${admin}` },
        requests: [
          {
            method: 'GET',
            setupRequest: (req) => ({
              ...req,
              path: `/api/public/coworkers/${targetsPool.take()}/impersonate?reason=bench`,
            }),
            onResponse: (status, body, context: Ctx) => {
              if (status === 200) context.handoff = (JSON.parse(body) as { token: string }).token;
            },
          },
          {
            method: 'POST',
            setupRequest: (req, context: Ctx) => ({
              ...req,
              path: `/api/public/auth/login/${context.handoff}`,
            }),
            onResponse: (status, body) => {
              if (status === 200)
                impersonationTokens.push((JSON.parse(body) as { token: string }).token);
            },
          },
        ],
      },
    });
    const leavePool = pool(impersonationTokens);
    await run({
      name: 'leave impersonation',
      options: {
        amount: impersonationTokens.length,
        requests: [
          {
            method: 'POST',
            path: '/api/public/auth/impersonation/leave',
            setupRequest: (req) => ({
              ...req,
              headers: { authorization: `Bearer ${leavePool.take()}` },
            }),
          },
        ],
      },
      note: `${impersonationTokens.length} impersonation sessions, each left once`,
    });

    const links = pool(fixture.oneClick);
    await run({
      name: 'one-click redemption',
      target: { ratio: 0.2 },
      options: {
        amount: fixture.oneClick.length,
        requests: [
          {
            method: 'POST',
            path: '/api/public/auth/one-click',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify(links.take()) }),
          },
        ],
      },
      note: `pool of ${fixture.oneClick.length} links, each redeemed once`,
    });
    const tokens = pool(fixture.oneTimeTokens);
    await run({
      name: 'login-token redemption (one-time)',
      target: { ratio: 0.2 },
      options: {
        amount: fixture.oneTimeTokens.length,
        requests: [
          {
            method: 'POST',
            path: '/api/public/auth/login-token',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ token: tokens.take() }) }),
          },
        ],
      },
      note: `pool of ${fixture.oneTimeTokens.length} tokens, each redeemed once`,
    });
    await run({
      name: 'login-token redemption (reusable)',
      target: { ratio: 0.2 },
      options: {
        method: 'POST',
        url: `${origin}/api/public/auth/login-token`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: fixture.reusableToken }),
      },
    });
    await run({
      name: 'audit page, newest (1M events)',
      target: { p99Ms: 20 },
      options: {
        url: `${origin}/api/sys/audit-events?limit=50`,
        headers: { authorization: `Bearer ${operator}` },
      },
    });
    await run({
      name: 'audit page, deep (1M events)',
      target: { p99Ms: 20 },
      options: {
        url: `${origin}/api/sys/audit-events?limit=50&cursor=${middleCursor}`,
        headers: { authorization: `Bearer ${operator}` },
      },
    });
    // Measured again: the machine's speed drifts over a run (other tenants, CPU frequency), and
    // every ratio divides by the mean of the two.
    const calibrationAgain = (await run({
      ...calibrationSpec,
      name: 'calibration again, after the hot paths',
    })) as ScenarioResult;
    await run({
      name: 'sign-in (argon2id, reported apart)',
      options: {
        method: 'POST',
        url: `${origin}/api/public/auth/sign-in`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: fixture.memberEmails[2], password: DEMO_PASSWORD }),
      },
      warmUpRequests: 40,
    });
    const rssAtEnd = server.rssMiB();

    const calibrationRate = applyRatios(results, [calibration, calibrationAgain]);
    const report = buildReport({
      calibrationRequestsPerSecond: calibrationRate,
      coldStartMs,
      rssMiB: { afterWarmUp: rssAfterWarmUp, atEnd: rssAtEnd },
      scenarios: results,
    });
    const failures = check(report);
    writeResults(report, failures);
    if (failures.length) {
      log(`\n${failures.length} target(s) missed or errors seen:\n  ${failures.join('\n  ')}`);
      process.exitCode = 1;
    } else log('\nAll targets met, no errors.');
  } finally {
    await server?.stop();
    if (args.has('keep-data')) log(`Data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The report written to bench/results/<timestamp>.json, in this key order. */
function buildReport(measured: {
  calibrationRequestsPerSecond: number;
  coldStartMs: number;
  rssMiB: { afterWarmUp: number; atEnd: number };
  scenarios: ScenarioResult[];
}) {
  return {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    settings: {
      duration,
      connections,
      users,
      auditEvents,
      pool: poolSize,
      rateLimits: 'off (RATE_LIMITS=off)',
    },
    calibrationRequestsPerSecond: measured.calibrationRequestsPerSecond,
    coldStartMs: measured.coldStartMs,
    rssMiB: measured.rssMiB,
    portal: portalSizes(),
    scenarios: measured.scenarios,
  };
}

type Report = ReturnType<typeof buildReport>;

function writeResults(report: Report, failures: string[]) {
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = report.at.replace(/[:.]/g, '-');
  writeFileSync(
    path.join(dir, `${stamp}.json`),
    `${JSON.stringify({ ...report, failures }, null, 2)}\n`,
  );
  const rows = report.scenarios.map((s) => {
    const target = s.target;
    const goal = target?.ratio
      ? `≥ ${target.ratio}`
      : target?.p99Ms
        ? `p99 ≤ ${target.p99Ms} ms`
        : '';
    const rate =
      s.unit === 'pair'
        ? `${s.unitsPerSecond.toFixed(0)} pairs/s`
        : `${s.requestsPerSecond.toFixed(0)}/s`;
    return `| ${s.name} | ${rate} | ${(s.ratio ?? 0).toFixed(2)} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors + s.non2xx} | ${(s.serverCpuUsPerRequest ?? 0).toFixed(0)} | ${(s.rssMiB ?? 0).toFixed(0)} | ${goal} |`;
  });
  const md = [
    `# Benchmark ${report.at}`,
    '',
    `Settings: ${JSON.stringify(report.settings)}`,
    '',
    `Ratios divide by the mean of the two calibration runs, ${report.calibrationRequestsPerSecond.toFixed(0)} requests/s. Server CPU is the server process's user + system time (all its threads) per request.`,
    '',
    '| scenario | throughput | ratio to calibration | p50 ms | p99 ms | errors | server CPU µs/req | RSS MiB after | target |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `- cold start on an existing database: ${report.coldStartMs.toFixed(0)} ms (target ≤ 700 ms)`,
    `- RSS: ${report.rssMiB.afterWarmUp.toFixed(0)} MiB after warm-up, ${rssUnderLoad(report).toFixed(0)} MiB at most under load (target ≤ 150 MiB), ${report.rssMiB.atEnd.toFixed(0)} MiB after the sign-in scenario`,
    `- portal initial JS ${report.portal.initialJsGzipKB.toFixed(1)} KB gzip, CSS ${report.portal.initialCssGzipKB.toFixed(1)} KB gzip (target JS ≤ 120 KB)`,
    '',
    failures.length ? `Missed: ${failures.join('; ')}` : 'All targets met, no errors.',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'latest.md'), md);
  log(`\nResults: bench/results/${stamp}.json and bench/results/latest.md`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
