/**
 * pnpm bench — measures the hot paths of the production build against a calibration route
 * in the same server and run. See bench/README.md for what each figure means.
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { openPostgres } from '../../apps/bff/src/store/postgres/client.ts';
import {
  startTestCluster,
  type TestCluster,
} from '../../apps/bff/src/store/postgres/test-cluster.ts';
import { freeLoopbackPort } from '../../apps/bff/src/test/server-processes.ts';
import { type Fixture, type Pools, seedLoadFixture } from './fixture.ts';
import { seedPostgresFixture } from './fixture-postgres.ts';
import {
  type Ctx,
  download,
  pool,
  runScenario,
  type ScenarioResult,
  type ScenarioSpec,
  searchLoop,
  type Target,
} from './scenarios.ts';
import {
  DEMO_PASSWORD,
  processTreeCpuMs,
  type RunningServer,
  startServer,
  syncLatency,
} from './server.ts';
import {
  applyRatios,
  check,
  type Database,
  LIMITS,
  rssThroughout,
  type SynchronousPass,
  synchronousCost,
  targetFor,
} from './targets.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const benchDir = path.join(root, 'bench');
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k ?? '', v ?? 'true'] as const;
  }),
);
const duration = Number(args.get('duration') ?? 5);
const connections = Number(args.get('connections') ?? 10);
const auditEvents = Number(args.get('audit-events') ?? 1_000_000);
const users = Number(args.get('users') ?? 100_000);
const poolSize = Number(args.get('pool') ?? 30_000);
/** Pools of each synchronous pass (NORMAL, then FULL again); 0 leaves the passes out. */
const syncPool = Number(args.get('sync-pool') ?? 10_000);
/** --only=audit,one-click runs the calibration and the scenarios whose names contain these. */
const only = (args.get('only') ?? '').split(',').filter(Boolean);
/** --db=sqlite (the default), postgres, or both: SQLite, then PostgreSQL, reported side by side. */
const dbArg = args.get('db') ?? 'sqlite';
const DATABASES: Record<string, Database[]> = {
  sqlite: ['sqlite'],
  postgres: ['postgres'],
  both: ['sqlite', 'postgres'],
};
const databases = DATABASES[dbArg];
if (!databases) throw new Error(`--db=${dbArg}: expected sqlite, postgres or both`);
const STORE_NAMES: Record<Database, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
/** Requests of each scenario sent, and answered, before it is measured (--warm-up=N). */
const WARM_UP_REQUESTS = Number(args.get('warm-up') ?? 400);
/** A warm-up ends after this long even if its requests are not all answered (a slow path). */
const WARM_UP_MAX_SECONDS = 3;
/**
 * Free-text audit searches of the seeded trail (its events' words are their types' and
 * `n <i>`): a word being typed that half the events hold in two words (`sign`, `signed`),
 * another that a quarter hold, a common word, words each common but never together, and a
 * word typed that none holds. Inline, the first held SQLite's event loop 80-290 ms at a
 * million events (bench/HISTORY.md).
 */
const AUDIT_SEARCHES = ['sign', 'succ', 'order', 'auth sign in placed started', 'passw'];

function log(message: string) {
  process.stdout.write(`${message}\n`);
}

/** 100000 → "100k", 1000000 → "1M". */
function count(n: number) {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000 && n % 1_000 === 0) return `${n / 1_000}k`;
  return String(n);
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

/** The server's own verification of the seeded trail (GET /api/sys/audit-events/verify). */
interface Verification {
  ms: number;
  intact: boolean;
  checked: number;
  outsideAnchor: string;
}

/** What is left running while a run is under way, undone if the bench is interrupted. */
const running = new Set<() => void>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const undo of running) {
      try {
        undo();
      } catch (error) {
        console.error(error);
      }
    }
    process.exit(130);
  });
}

/** One run of every scenario on one store, and what it missed. */
interface Run {
  report: Report;
  failures: string[];
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
  const runs: Run[] = [];
  for (const database of databases ?? []) {
    log(`\n${STORE_NAMES[database]}:`);
    runs.push(await benchOn(database, entry));
  }
  writeResults(runs);
  const failures = runs.flatMap((r) =>
    r.failures.map((f) =>
      runs.length > 1 ? `[${STORE_NAMES[r.report.settings.database]}] ${f}` : f,
    ),
  );
  if (failures.length) {
    log(`\n${failures.length} target(s) missed or errors seen:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  } else log('\nAll targets met, no errors.');
}

/**
 * The PostgreSQL server's own settings that bear on what a request costs, as it reports them.
 */
async function postgresSettings(url: string): Promise<Record<string, string>> {
  const { pool } = openPostgres(url, { max: 1 });
  try {
    const { rows } = await pool.query<{ name: string; value: string }>(
      `SELECT name, current_setting(name) AS value FROM unnest($1::text[]) AS name`,
      [
        [
          'server_version',
          'fsync',
          'synchronous_commit',
          'full_page_writes',
          'wal_sync_method',
          'shared_buffers',
          'max_connections',
        ],
      ],
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  } finally {
    await pool.end();
  }
}

/**
 * What the synchronous passes compare, on each store: a commit that returns once it is synced
 * to disk ('FULL'), against one that returns before (the sync comes later, and a crash of the
 * machine may lose the last commits, never consistency).
 */
const SYNCHRONOUS: Record<Database, Record<SynchronousPass['synchronous'], string>> = {
  sqlite: { FULL: 'synchronous=FULL', NORMAL: 'synchronous=NORMAL' },
  postgres: { FULL: 'synchronous_commit=on', NORMAL: 'synchronous_commit=off' },
};

/**
 * PostgreSQL's commit durability for the sessions opened after this (the server has no
 * setting for it; a deploy would set it in postgresql.conf or on its role).
 */
async function setSynchronousCommit(url: string, value: 'on' | 'off'): Promise<void> {
  const { pool } = openPostgres(url, { max: 1 });
  try {
    await pool.query(`ALTER DATABASE postgres SET synchronous_commit = ${value}`);
    const { rows } = await pool.query<{ value: string }>(
      `SELECT setting AS value FROM pg_db_role_setting s, unnest(s.setconfig) AS setting
       WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = 'postgres')`,
    );
    if (!rows.some((r) => r.value === `synchronous_commit=${value}`))
      throw new Error(`PostgreSQL did not take synchronous_commit=${value}`);
  } finally {
    await pool.end();
  }
}

/** One statement as pg_stat_statements saw it over the scenarios. */
interface StatementStats {
  calls: number;
  totalMs: number;
  meanMs: number;
  rowsPerCall: number;
  query: string;
}

/**
 * What PostgreSQL ran, from pg_stat_statements (loaded into the server for the run): the
 * statements counted over a scenario are its round trips to the database, BEGIN and COMMIT
 * included. The bench's own reads of the view are left out.
 */
async function statementsOf(url: string) {
  const { pool } = openPostgres(url, { max: 1 });
  await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const notOurs = `query NOT LIKE '%pg_stat_statements%'`;
  return {
    async count(): Promise<number> {
      const { rows } = await pool.query<{ calls: string | null }>(
        `SELECT sum(calls) AS calls FROM pg_stat_statements WHERE ${notOurs}`,
      );
      return Number(rows[0]?.calls ?? 0);
    },
    async reset(): Promise<void> {
      await pool.query('SELECT pg_stat_statements_reset()');
    },
    /** The statements that took the most execution time (planning not included). */
    async top(n: number): Promise<StatementStats[]> {
      const { rows } = await pool.query<{
        calls: string;
        total: number;
        mean: number;
        rows: string;
        query: string;
      }>(
        `SELECT calls, total_exec_time AS total, mean_exec_time AS mean, rows, query
         FROM pg_stat_statements WHERE ${notOurs} ORDER BY total_exec_time DESC LIMIT $1`,
        [n],
      );
      return rows.map((r) => ({
        calls: Number(r.calls),
        totalMs: r.total,
        meanMs: r.mean,
        rowsPerCall: Number(r.rows) / Math.max(1, Number(r.calls)),
        query: r.query.replace(/\s+/g, ' ').slice(0, 300),
      }));
    },
    close: () => pool.end(),
  };
}

/** The postmaster's pid, from the file it keeps in its data directory. */
function postmasterPid(cluster: TestCluster): number {
  const file = readFileSync(path.join(cluster.directory, 'data/postmaster.pid'), 'utf8');
  return Number(file.split('\n')[0]);
}

/**
 * Every scenario on one store: SQLite under a fresh DATA_DIR, or a PostgreSQL server started
 * for the run (durable: fsync and synchronous_commit on, as SQLite's synchronous=FULL), which
 * is stopped and removed at the end, whatever happened.
 */
async function benchOn(database: Database, entry: string): Promise<Run> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-bench-'));
  const port = await freeLoopbackPort();
  const metricsToken = randomBytes(24).toString('base64url');
  let server: RunningServer | undefined;
  let cluster: TestCluster | undefined;
  /** With DATABASE_URL, the server runs on PostgreSQL and needs the secret every process shares. */
  let storeEnv: Record<string, string> = {};
  const serverSecret = randomBytes(32).toString('base64url');
  const stopServer = () => void server?.stop();
  const stopCluster = () => cluster?.stop();
  running.add(stopServer);
  running.add(stopCluster);
  const removeData = () => {
    if (!args.has('keep-data')) rmSync(dataDir, { recursive: true, force: true });
  };
  running.add(removeData);
  const start = async (synchronous: 'FULL' | 'NORMAL' = 'FULL') => {
    await server?.stop();
    const marker = path.join(dataDir, 'bench-synchronous');
    // SQLite's NORMAL comes from a preload into the server; PostgreSQL's from the database,
    // whose sessions opened from now on (the server's pool, on its start) take the setting.
    const preload = synchronous === 'NORMAL' && !cluster;
    if (cluster) await setSynchronousCommit(cluster.url, synchronous === 'FULL' ? 'on' : 'off');
    server = await startServer({
      entry,
      cwd: root,
      dataDir,
      port,
      env: {
        ...storeEnv,
        RATE_LIMITS: 'off',
        METRICS_TOKEN: metricsToken,
        ...(preload ? { BENCH_SERVER_ENTRY: entry, BENCH_SYNCHRONOUS_MARKER: marker } : {}),
      },
      nodeArgs: preload ? ['--require', path.join(benchDir, 'src/synchronous-normal.cjs')] : [],
    });
    // SQLite reports synchronous=NORMAL as 1 (FULL is 2).
    if (preload && readFileSync(marker, 'utf8') !== '1') {
      throw new Error('the server did not switch to synchronous=NORMAL');
    }
    return server;
  };
  const benchStarted = performance.now();
  /** The server's group commits so far, from its Prometheus metrics. */
  const commitCounts = async () => {
    const res = await fetch(`${server?.origin}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    const text = await res.text();
    // Absent on PostgreSQL, which has no group commit: no count then.
    const read = (name: string) => {
      const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
      return value === undefined ? undefined : Number(value);
    };
    return {
      commits: read('onbehalf_commit_group_transactions_count'),
      transactions: read('onbehalf_commit_group_transactions_sum'),
    };
  };
  let postgres: Record<string, string> | undefined;
  let databaseCpuMs: (() => number) | undefined;
  let statements: Awaited<ReturnType<typeof statementsOf>> | undefined;
  try {
    if (database === 'postgres') {
      log('Starting a PostgreSQL server (durable: fsync and synchronous_commit on)…');
      cluster = await startTestCluster({
        durable: true,
        settings: { shared_preload_libraries: 'pg_stat_statements' },
      });
      storeEnv = { DATABASE_URL: cluster.url, ONBEHALF_SECRET: serverSecret };
      postgres = await postgresSettings(cluster.url);
      const pid = postmasterPid(cluster);
      databaseCpuMs = () => processTreeCpuMs(pid);
      statements = await statementsOf(cluster.url);
      log(`  ${cluster.url}: ${JSON.stringify(postgres)}`);
    }
    log(`Data in ${dataDir}; migrating and seeding the demo…`);
    server = await startServer({ entry, cwd: root, dataDir, port, env: storeEnv });
    await server.stop();

    log(
      `Seeding Load Corp with ${users} members, pools of ${poolSize} one-click links, login tokens and sessions (+${2 * syncPool} for the synchronous passes), ${auditEvents} audit events…`,
    );
    let started = performance.now();
    const fixtureOptions = {
      users,
      auditEvents,
      oneClickLinks: poolSize,
      loginTokens: poolSize,
      sessions: poolSize,
      extraPool: 2 * syncPool,
    };
    const { fixture, extra } = cluster
      ? await seedPostgresFixture(cluster.url, dataDir, serverSecret, fixtureOptions, log)
      : seedLoadFixture(dataDir, fixtureOptions);
    const fixtureMs = performance.now() - started;

    // Cold start: a new process on the existing, now large, database.
    server = await start();
    const coldStartMs = server.coldStartMs;
    const origin = server.origin;
    log(
      `Fixture ${(fixtureMs / 1000).toFixed(0)} s. Cold start ${coldStartMs.toFixed(0)} ms. Signing the actors in…`,
    );

    const member = await signIn(origin, fixture.memberEmails[0] as string);
    // One of the admin's own sessions from the fixture, not a sign-in: a password sign-in
    // keeps a person's newest 100 live sessions only, and would sign the pairs' pool out.
    const admin = fixture.adminSessions.pop();
    if (!admin) throw new Error('The fixture holds no session of the team admin.');
    const owner = await signIn(origin, fixture.ownerEmail);
    const operator = await signIn(origin, 'root@onbehalf.test');

    let verification: Verification | undefined;
    if (!args.has('no-verify')) {
      log('Verifying the seeded audit trail with the server…');
      started = performance.now();
      const verified = await json<Omit<Verification, 'ms'>>(
        origin,
        'GET',
        '/api/sys/audit-events/verify',
        operator,
      );
      verification = {
        ms: performance.now() - started,
        intact: verified.intact,
        checked: verified.checked,
        outsideAnchor: verified.outsideAnchor,
      };
      log(
        `  ${verification.intact ? 'intact' : 'BROKEN'}, ${verification.checked} events checked in ${(verification.ms / 1000).toFixed(1)} s, outside anchor ${verification.outsideAnchor}`,
      );
    }

    const middleAuditCursor = String(fixture.auditEventsBefore + Math.floor(auditEvents / 2));
    const defaults = { duration, connections };
    const results: ScenarioResult[] = [];
    const selected = (label: string) => {
      const name = label.replace(/^\[[^\]]+\] /, '');
      return name.startsWith('calibration') || !only.length || only.some((o) => name.includes(o));
    };
    /**
     * Before the next scenario, the server has answered everything the last one sent. On a
     * connection of its own: a pooled one may be the server's to close after 5 s idle.
     */
    const settle = () =>
      new Promise<void>((resolve, reject) => {
        http
          .get(`${origin}/api/health`, { agent: false }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          })
          .on('error', reject);
      });

    const run = async (spec: ScenarioSpec, into: ScenarioResult[] = results) => {
      if (!selected(spec.name)) return;
      const amount = spec.options.amount;
      if (amount !== undefined && amount < 2) {
        log(`  ${spec.name}: skipped, its pool holds ${amount} item(s)`);
        return;
      }
      const current = server as RunningServer;
      const rss = current.sampleRss();
      try {
        // Not measured: the scenario's own code runs JIT-compiled before the clock starts. A
        // pool-bounded warm-up takes at most a quarter of the pool and runs to its end, so
        // that the measured run starts where it stopped; any other ends after a few seconds
        // (a slow path) however many of its requests were answered.
        const warmUpRequests = Math.min(
          spec.warmUpRequests ?? WARM_UP_REQUESTS,
          amount === undefined ? Number.POSITIVE_INFINITY : Math.floor(amount / 4) || 1,
        );
        const warmUp = await runScenario(
          origin,
          { ...spec, options: { ...spec.options, amount: warmUpRequests } },
          defaults,
          amount === undefined ? { afterSeconds: WARM_UP_MAX_SECONDS } : {},
        );
        await settle();
        const measured =
          amount === undefined
            ? spec
            : { ...spec, options: { ...spec.options, amount: amount - warmUpRequests } };
        const cpuBefore = current.cpuMs();
        const databaseCpuBefore = databaseCpuMs?.();
        const commitsBefore = await commitCounts();
        const statementsBefore = await statements?.count();
        const result = await runScenario(origin, measured, defaults);
        await settle();
        const statementsAfter = await statements?.count();
        const commitsAfter = await commitCounts();
        if (statementsBefore !== undefined && statementsAfter !== undefined)
          result.statementsPerRequest =
            (statementsAfter - statementsBefore) / Math.max(1, result.requests);
        if (commitsAfter.commits !== undefined && commitsBefore.commits !== undefined) {
          result.commits = commitsAfter.commits - commitsBefore.commits;
          result.committedTransactions =
            (commitsAfter.transactions ?? 0) - (commitsBefore.transactions ?? 0);
        }
        if (databaseCpuMs && databaseCpuBefore !== undefined)
          result.databaseCpuUsPerRequest =
            ((databaseCpuMs() - databaseCpuBefore) * 1000) / Math.max(1, result.requests);
        // A failure while warming up is a failure of the scenario all the same.
        result.errors += warmUp.errors;
        result.non2xx += warmUp.non2xx;
        result.rssMiB = current.rssMiB();
        result.rssMaxMiB = rss.stop();
        result.serverCpuUsPerRequest =
          ((current.cpuMs() - cpuBefore) * 1000) / Math.max(1, result.requests);
        into.push(result);
        logResult(result);
        return result;
      } finally {
        rss.stop();
      }
    };

    /**
     * /api/health under load for as long as `background` runs (bounded by it; the backstop is
     * only in case it hangs), with the server's memory and CPU per health request meanwhile.
     */
    const healthWhile = async <T>(
      name: string,
      target: Target | undefined,
      backstopSeconds: number,
      start: () => Promise<T>,
    ): Promise<{ result: ScenarioResult; background: T }> => {
      const current = server as RunningServer;
      const rss = current.sampleRss();
      const cpuBefore = current.cpuMs();
      const databaseCpuBefore = databaseCpuMs?.();
      const running = start();
      let result: ScenarioResult;
      let background: T;
      try {
        result = await runScenario(
          origin,
          { name, ...(target ? { target } : {}), options: { url: `${origin}/api/health` } },
          { ...defaults, duration: backstopSeconds },
          { when: running },
        );
        background = await running;
        await settle();
      } finally {
        rss.stop();
      }
      result.rssMiB = current.rssMiB();
      result.rssMaxMiB = rss.stop();
      result.serverCpuUsPerRequest =
        ((current.cpuMs() - cpuBefore) * 1000) / Math.max(1, result.requests);
      if (databaseCpuMs && databaseCpuBefore !== undefined)
        result.databaseCpuUsPerRequest =
          ((databaseCpuMs() - databaseCpuBefore) * 1000) / Math.max(1, result.requests);
      return { result, background };
    };

    /** /api/health under load while one export streams, read to its end by a worker thread. */
    const runDuringExport = async (
      name: string,
      url: string,
      token: string,
      target: Target | undefined,
    ) => {
      if (!selected(name)) return;
      // Bounded by the export, not by time (the hour is only a backstop).
      const { result, background: body } = await healthWhile(name, target, 3600, () =>
        download(`${origin}${url}`, token),
      );
      // An export that reached the server's bound (EXPORT_MAX_EVENTS) closes with a note naming
      // it, and must hold exactly that many events; any other holds at least the seeded trail.
      const bound = /^# export stopped at (\d+) events/.exec(body.lastLine)?.[1];
      result.export = {
        path: url,
        status: body.status,
        ms: body.ms,
        firstByteMs: body.firstByteMs,
        bytes: body.bytes,
        rows: Math.max(0, body.lines - 1 - (bound ? 1 : 0)),
        expectedRows: bound ? Number(bound) : auditEvents,
        lastLine: body.lastLine.slice(0, 200),
      };
      result.note = 'health under load while the export streams; CPU per health request';
      results.push(result);
      logResult(result);
      const e = result.export;
      log(
        `    export ${e.status}: ${e.rows} rows, ${(e.bytes / 2 ** 20).toFixed(0)} MiB in ${(e.ms / 1000).toFixed(1)} s (first byte ${e.firstByteMs.toFixed(0)} ms); last line: ${e.lastLine.slice(0, 80)}`,
      );
    };

    /**
     * /api/health under load while one client searches the trail (`AUDIT_SEARCHES` in turn, one
     * after another, from a worker thread) for the scenario's duration.
     */
    const runDuringSearches = async (
      name: string,
      url: string,
      token: string,
      target: Target | undefined,
    ) => {
      if (!selected(name)) return;
      // Bounded by the searches, which stop after `duration` (the rest is a backstop).
      const { result, background: searched } = await healthWhile(name, target, duration + 60, () =>
        searchLoop(origin, url, AUDIT_SEARCHES, token, duration),
      );
      result.searches = searched;
      result.note = 'health under load while audit searches run one after another';
      results.push(result);
      logResult(result);
      log(`    ${searchesLine(searched)}`);
    };

    // What the scenarios run, apart from the migrations, the fixture and the verification.
    await statements?.reset();
    log('Warming up…');
    await runScenario(
      origin,
      { name: 'warm-up', options: { url: `${origin}/api/health`, duration: 2 } },
      defaults,
    );
    const rssAfterWarmUp = server.rssMiB();

    log('Scenarios:');
    const targets = (kind: Parameters<typeof targetFor>[1]) => targetFor(database, kind);
    const calibrationSpec: ScenarioSpec = {
      name: 'calibration: GET /api/health',
      ...targets('other'),
      options: { url: `${origin}/api/health` },
    };
    const calibration = (await run(calibrationSpec)) as ScenarioResult;
    await run({
      name: 'session check (bearer)',
      ...targets('sessionCheck'),
      options: {
        url: `${origin}/api/public/auth/session`,
        headers: { authorization: `Bearer ${member}` },
      },
    });
    await run({
      name: 'session check (cookie)',
      ...targets('other'),
      options: {
        url: `${origin}/api/public/auth/session`,
        headers: { cookie: `__Host-ob_session=${member}` },
      },
    });
    await run({
      name: 'profiles list',
      ...targets('profilesList'),
      options: {
        url: `${origin}/api/public/coworkers/profiles`,
        headers: { authorization: `Bearer ${member}` },
      },
    });
    const team = `${count(fixture.members)} members`;
    // What the team scenarios read is what they are named after: a full first page, a page
    // from the middle, and the one member the search is for (users_fts is built as it should).
    const members = (query: string) =>
      json<{ members: { name: string }[] }>(
        origin,
        'GET',
        `/api/public/team/members${query}`,
        admin,
      ).then((page) => page.members.map((m) => m.name));
    const firstPage = await members('');
    const deepPage = await members(`?cursor=${fixture.middleCursor}`);
    const found = await members(`?query=${encodeURIComponent(fixture.searchName)}`);
    if (firstPage.length !== 50 || deepPage.length !== 50 || found.join() !== fixture.searchName) {
      throw new Error(
        `the team pages do not hold what the fixture wrote: ${firstPage.length} and ${deepPage.length} members, search found ${JSON.stringify(found)}`,
      );
    }
    await run({
      name: `profile chooser, team admin (${team})`,
      ...targets('page'),
      options: {
        url: `${origin}/api/public/coworkers/profiles`,
        headers: { authorization: `Bearer ${admin}` },
      },
    });
    await run({
      name: `team members page, first (${team})`,
      ...targets('page'),
      options: {
        url: `${origin}/api/public/team/members`,
        headers: { authorization: `Bearer ${admin}` },
      },
    });
    await run({
      name: `team members page, deep (${team})`,
      ...targets('page'),
      options: {
        url: `${origin}/api/public/team/members?cursor=${fixture.middleCursor}`,
        headers: { authorization: `Bearer ${admin}` },
      },
      note: 'the page after the middle member in name order',
    });
    await run({
      name: `team members search, a full name (${team})`,
      ...targets('page'),
      options: {
        url: `${origin}/api/public/team/members?query=${encodeURIComponent(fixture.searchName)}`,
        headers: { authorization: `Bearer ${admin}` },
      },
      note: `query=${fixture.searchName}: one member matches`,
    });

    await writeScenarios(run, origin, fixture, fixture, targets);

    const events = count(auditEvents);
    await run({
      name: `audit page, newest (${events} events)`,
      ...targets('page'),
      options: {
        url: `${origin}/api/sys/audit-events?limit=50`,
        headers: { authorization: `Bearer ${operator}` },
      },
    });
    await run({
      name: `audit page, deep (${events} events)`,
      ...targets('page'),
      options: {
        url: `${origin}/api/sys/audit-events?limit=50&cursor=${middleAuditCursor}`,
        headers: { authorization: `Bearer ${operator}` },
      },
    });
    // Measured again: the machine's speed drifts over a run (other tenants, CPU frequency), and
    // every ratio divides by the mean of the two.
    const calibrationAgain = (await run({
      ...calibrationSpec,
      name: 'calibration again, after the hot paths',
    })) as ScenarioResult;

    await runDuringExport(
      `health during export, operator CSV (${events} events)`,
      '/api/sys/audit-events/export?format=csv',
      operator,
      targets('healthDuringExport').target,
    );
    await runDuringExport(
      `health during export, team owner CSV (${events} events)`,
      '/api/public/team/audit-events/export?format=csv',
      owner,
      targets('healthDuringExport').target,
    );

    await runDuringSearches(
      `health during audit searches, operator (${events} events)`,
      '/api/sys/audit-events',
      operator,
      targets('healthDuringSearches').target,
    );
    await runDuringSearches(
      `health during audit searches, team owner (${events} events)`,
      '/api/public/team/audit-events',
      owner,
      targets('healthDuringSearches').target,
    );

    await run({
      name: 'sign-in (argon2id, reported apart)',
      ...targets('signIn'),
      options: {
        method: 'POST',
        url: `${origin}/api/public/auth/sign-in`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: fixture.memberEmails[2], password: DEMO_PASSWORD }),
      },
      warmUpRequests: 40,
    });
    const rssAtEnd = server.rssMiB();
    const topStatements = await statements?.top(12);
    const calibrationRate = applyRatios(results, [calibration, calibrationAgain]);

    // The write scenarios again, on servers that differ only in whether a commit waits for its
    // sync (SQLite's synchronous, PostgreSQL's synchronous_commit), each pass on a fresh start
    // with fresh pools, in the order NORMAL, FULL, FULL, NORMAL: the machine's drift over the
    // passes falls on both settings alike.
    const synchronousPasses: SynchronousPass[] = [];
    let sync: ReturnType<typeof syncLatency> | undefined;
    if (syncPool > 0) {
      await server.stop();
      sync = syncLatency(dataDir);
      log(
        `A 4 KiB write + fsync in the data directory: median ${sync.medianMs.toFixed(2)} ms, p99 ${sync.p99Ms.toFixed(2)} ms`,
      );
      const order = ['NORMAL', 'FULL', 'FULL', 'NORMAL'] as const;
      const share = Math.floor(syncPool / 2);
      for (const [index, synchronous] of order.entries()) {
        const setting = SYNCHRONOUS[database][synchronous];
        const label = `${setting.split('=')[1]} ${index < 2 ? 1 : 2}`;
        log(`${setting} pass (server restarted):`);
        await start(synchronous);
        const pass: ScenarioResult[] = [];
        const passRun = (spec: ScenarioSpec) =>
          run({ ...spec, name: `[${label}] ${spec.name}` }, pass);
        const pools = slicePools(extra, index * share, share);
        await writeScenarios(passRun, origin, fixture, pools, () => ({}));
        applyRatios(pass, [{ requestsPerSecond: calibrationRate }]);
        synchronousPasses.push({ synchronous, scenarios: pass });
      }
    }

    const report = buildReport({
      database,
      postgres,
      calibrationRequestsPerSecond: calibrationRate,
      coldStartMs,
      fixtureMs,
      verification,
      rssMiB: { afterWarmUp: rssAfterWarmUp, atEnd: rssAtEnd },
      scenarios: results,
      synchronousPasses,
      syncLatency: sync,
      topStatements,
      runSeconds: (performance.now() - benchStarted) / 1000,
    });
    const failures = check(report);
    if (verification && !(verification.intact && verification.outsideAnchor === 'matched')) {
      failures.push(
        `the seeded audit trail does not verify: ${JSON.stringify(verification)} (bench/src/fixture.ts no longer writes what the server writes)`,
      );
    }
    return { report, failures };
  } finally {
    await server?.stop();
    running.delete(stopServer);
    await statements?.close();
    try {
      cluster?.stop();
    } finally {
      running.delete(stopCluster);
      running.delete(removeData);
      if (args.has('keep-data')) log(`Data kept in ${dataDir}`);
      removeData();
    }
  }
}

/** What the searches of a scenario did, one line. */
function searchesLine(searched: NonNullable<ScenarioResult['searches']>): string {
  const failed = Object.entries(searched.failed);
  const queries = searched.byQuery
    .map(
      (q) => `\`${q.q}\` ${q.count}× mean ${q.meanMs.toFixed(0)} ms, max ${q.maxMs.toFixed(0)} ms`,
    )
    .join('; ');
  return `${searched.requests} searches of \`GET ${searched.path}?query=…\`${failed.length ? ` (failed: ${failed.map(([status, n]) => `${n}× ${status}`).join(', ')})` : ''}: ${queries}`;
}

function logResult(result: ScenarioResult) {
  log(
    `  ${result.name.padEnd(52)} ${result.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  server CPU ${(result.serverCpuUsPerRequest ?? 0).toFixed(0)} µs/req  RSS ≤ ${(result.rssMaxMiB ?? 0).toFixed(0)} MiB  errors ${result.errors + result.non2xx}`,
  );
}

/** `size` items of each extra pool from `from` on: one synchronous pass's share. */
function slicePools(extra: Pools, from: number, size: number): Pools {
  return {
    oneClick: extra.oneClick.slice(from, from + size),
    oneTimeTokens: extra.oneTimeTokens.slice(from, from + size),
    sessions: extra.sessions.slice(from, from + size),
    adminSessions: extra.adminSessions.slice(from, from + size),
  };
}

/**
 * The scenarios that write: a switch, the impersonation pair and its leave, the redemptions.
 * Each pool-bounded one uses its pool once; `targets` gives each its target (none in a pass).
 */
async function writeScenarios(
  run: (spec: ScenarioSpec) => Promise<ScenarioResult | undefined>,
  origin: string,
  fixture: Fixture,
  pools: Pools,
  targets: (kind: 'impersonationPair' | 'redemption' | 'other') => { target?: Target },
): Promise<void> {
  // A switch rotates the session (the old token dies), so each request takes a fresh one.
  const switchSessions = pool(pools.sessions);
  await run({
    name: 'profile switch',
    ...targets('other'),
    options: {
      amount: pools.sessions.length,
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
    note: `pool of ${pools.sessions.length} sessions, each switched once`,
  });

  // Impersonation: an own session of the admin asks for a hand-off token, then exchanges it.
  // Each pair has a session of its own: one session runs one impersonation at a time (ADR 037),
  // and pairs from one session would end each other, which is not what a pair costs.
  const targetsPool = pool(fixture.memberProfileIds);
  const adminSessions = pool(pools.adminSessions);
  const impersonationTokens: string[] = [];
  await run({
    name: 'impersonation issue + exchange',
    ...targets('impersonationPair'),
    unit: 'pair',
    stepsPerUnit: 2,
    options: {
      // Headroom: a run that stops mid-pair (the warm-up's end) leaves a session per connection
      // taken and unused, and a session taken twice would end its first pair's impersonation.
      amount: 2 * Math.max(0, pools.adminSessions.length - 5 * connections),
      requests: [
        {
          method: 'GET',
          setupRequest: (req, context: Ctx) => {
            context.admin = adminSessions.take();
            return {
              ...req,
              headers: { authorization: `Bearer ${context.admin}` },
              path: `/api/public/coworkers/${targetsPool.take()}/impersonate?reason=bench`,
            };
          },
          onResponse: (status, body, context: Ctx) => {
            if (status === 200) context.handoff = (JSON.parse(body) as { token: string }).token;
          },
        },
        {
          method: 'POST',
          setupRequest: (req, context: Ctx) => ({
            ...req,
            headers: { authorization: `Bearer ${context.admin}` },
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
    ...targets('other'),
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

  const links = pool(pools.oneClick);
  await run({
    name: 'one-click redemption',
    ...targets('redemption'),
    options: {
      amount: pools.oneClick.length,
      requests: [
        {
          method: 'POST',
          path: '/api/public/auth/one-click',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify(links.take()) }),
        },
      ],
    },
    note: `pool of ${pools.oneClick.length} links, each redeemed once`,
  });
  const tokens = pool(pools.oneTimeTokens);
  await run({
    name: 'login-token redemption (one-time)',
    ...targets('redemption'),
    options: {
      amount: pools.oneTimeTokens.length,
      requests: [
        {
          method: 'POST',
          path: '/api/public/auth/login-token',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ token: tokens.take() }) }),
        },
      ],
    },
    note: `pool of ${pools.oneTimeTokens.length} tokens, each redeemed once`,
  });
  await run({
    name: 'login-token redemption (reusable)',
    ...targets('redemption'),
    options: {
      method: 'POST',
      url: `${origin}/api/public/auth/login-token`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: fixture.reusableToken }),
    },
  });
}

/** The report written to bench/results/<timestamp>.json, in this key order. */
function buildReport(measured: {
  database: Database;
  /** The PostgreSQL server's settings, as it reported them. */
  postgres: Record<string, string> | undefined;
  calibrationRequestsPerSecond: number;
  coldStartMs: number;
  fixtureMs: number;
  verification: Verification | undefined;
  rssMiB: { afterWarmUp: number; atEnd: number };
  scenarios: ScenarioResult[];
  synchronousPasses: SynchronousPass[];
  syncLatency: { medianMs: number; p99Ms: number } | undefined;
  /** On PostgreSQL: the statements that took the most time over the scenarios. */
  topStatements: StatementStats[] | undefined;
  runSeconds: number;
}) {
  return {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    settings: {
      database: measured.database,
      duration,
      connections,
      users,
      auditEvents,
      pool: poolSize,
      syncPool,
      rateLimits: 'off (RATE_LIMITS=off)',
    },
    ...(measured.postgres ? { postgres: measured.postgres } : {}),
    calibrationRequestsPerSecond: measured.calibrationRequestsPerSecond,
    coldStartMs: measured.coldStartMs,
    fixtureMs: measured.fixtureMs,
    verification: measured.verification ?? null,
    rssMiB: measured.rssMiB,
    portal: portalSizes(),
    scenarios: measured.scenarios,
    synchronousPasses: measured.synchronousPasses,
    syncLatency: measured.syncLatency ?? null,
    ...(measured.topStatements ? { topStatements: measured.topStatements } : {}),
    runSeconds: measured.runSeconds,
  };
}

type Report = ReturnType<typeof buildReport>;

/** A scenario's line in a results table; the database's CPU only where a server ran apart. */
function row(s: ScenarioResult, withDatabaseCpu: boolean) {
  const target = s.target;
  const goals = [
    target?.ratio ? `≥ ${target.ratio}` : '',
    target?.p99Ms ? `p99 ≤ ${target.p99Ms} ms` : '',
  ].filter(Boolean);
  const rate =
    s.unit === 'pair'
      ? `${s.unitsPerSecond.toFixed(0)} pairs/s`
      : `${s.requestsPerSecond.toFixed(0)}/s`;
  const databaseCpu = withDatabaseCpu
    ? ` ${(s.databaseCpuUsPerRequest ?? 0).toFixed(0)} | ${s.statementsPerRequest?.toFixed(1) ?? ''} |`
    : '';
  return `| ${s.name} | ${rate} | ${(s.ratio ?? 0).toFixed(2)} | ${s.p50Ms} | ${s.p99Ms} | ${s.errors + s.non2xx} | ${(s.serverCpuUsPerRequest ?? 0).toFixed(0)} |${databaseCpu} ${(s.rssMaxMiB ?? 0).toFixed(0)} | ${goals.join(', ')} |`;
}

function tableHeader(withDatabaseCpu: boolean) {
  const databaseCpu = withDatabaseCpu ? ' PostgreSQL CPU µs/req | statements/req |' : '';
  return [
    `| scenario | throughput | ratio to calibration | p50 ms | p99 ms | errors | server CPU µs/req |${databaseCpu} RSS MiB max | target |`,
    `|---|---|---|---|---|---|---|${withDatabaseCpu ? '---|---|' : ''}---|---|`,
  ];
}

/** One run's section of latest.md. */
function markdownOf({ report, failures }: Run): string[] {
  const onPostgres = report.settings.database === 'postgres';
  const header = tableHeader(onPostgres);
  const exports = report.scenarios.flatMap((s) =>
    s.export
      ? [
          `- ${s.name}: \`GET ${s.export.path}\` → ${s.export.status}, ${s.export.rows} rows (${s.export.expectedRows} expected), ${(s.export.bytes / 2 ** 20).toFixed(0)} MiB in ${(s.export.ms / 1000).toFixed(1)} s, first byte after ${s.export.firstByteMs.toFixed(0)} ms; health p99 ${s.p99Ms} ms at ${s.requestsPerSecond.toFixed(0)} requests/s meanwhile`,
        ]
      : [],
  );
  const searches = report.scenarios.flatMap((s) =>
    s.searches
      ? [
          `- ${s.name}: health p99 ${s.p99Ms} ms at ${s.requestsPerSecond.toFixed(0)} requests/s while ${searchesLine(s.searches)}`,
        ]
      : [],
  );
  const verification = report.verification
    ? `- the seeded trail, verified by the server (GET /api/sys/audit-events/verify): ${report.verification.intact ? 'intact' : 'BROKEN'}, ${report.verification.checked} events in ${(report.verification.ms / 1000).toFixed(1)} s, outside anchor ${report.verification.outsideAnchor}`
    : '- the seeded trail was not verified (--no-verify)';
  const { FULL: full, NORMAL: normal } = SYNCHRONOUS[report.settings.database];
  const how = onPostgres
    ? `${normal} is set on the database (ALTER DATABASE) before the server starts, and its pool's sessions take it; the server has no setting for it. Under ${full} each commit waits for its WAL flush, and PostgreSQL flushes the commits that wait at once together`
    : `${normal} comes from bench/src/synchronous-normal.cjs (the server has no setting for it). Under ${full} each group commit syncs the WAL`;
  const passes = report.synchronousPasses.length
    ? [
        '',
        `## ${normal} vs ${full} (write scenarios, pools of ${Math.floor(report.settings.syncPool / 2)} per pass)`,
        '',
        `Four passes in the order ${normal}, ${full}, ${full}, ${normal}, each on a fresh start of the server on the same database. Ratios divide by the main run's calibration.`,
        '',
        ...header,
        ...report.synchronousPasses.flatMap((p) => p.scenarios.map((s) => row(s, onPostgres))),
        '',
        `What ${full} costs, from the mean of the two passes of each setting. ${how}; a 4 KiB write + fsync in the data directory took ${report.syncLatency?.medianMs.toFixed(2)} ms (median), ${report.syncLatency?.p99Ms.toFixed(2)} ms (p99) on this disk.`,
        '',
        ...synchronousCost(report.synchronousPasses).map((c) => {
          const change = Math.round(c.cost * 100);
          const commits = onPostgres
            ? ''
            : `; ${c.fullCommitsPerRequest.toFixed(2)} group commits per request`;
          return `- ${c.name}: ${full} ${c.fullRate.toFixed(0)}/s vs ${normal} ${c.normalRate.toFixed(0)}/s (${change >= 0 ? `${change} % less` : `${-change} % more`}); p99 ${c.fullP99.toFixed(0)} vs ${c.normalP99.toFixed(0)} ms; server CPU ${c.fullCpu.toFixed(0)} vs ${c.normalCpu.toFixed(0)} µs/req${commits}`;
        }),
      ]
    : [];
  const { database: _, ...settings } = report.settings;
  const store = onPostgres
    ? `PostgreSQL, a server started for the run (${JSON.stringify(report.postgres ?? {})}); its CPU is the postmaster's and every backend's, past ones included, per request`
    : 'SQLite';
  return [
    `# Benchmark ${report.at} — ${STORE_NAMES[report.settings.database]}`,
    '',
    `Store: ${store}.`,
    '',
    `Settings: ${JSON.stringify(settings)}`,
    '',
    `Ratios divide by the mean of the two calibration runs, ${report.calibrationRequestsPerSecond.toFixed(0)} requests/s. Server CPU is the server process's user + system time (all its threads) per request. RSS is sampled every 50 ms during each scenario, warm-up included.`,
    '',
    ...header,
    ...report.scenarios.map((s) => row(s, onPostgres)),
    '',
    ...exports,
    ...searches,
    ...(report.topStatements
      ? [
          '',
          "PostgreSQL's statements that took the most execution time over the scenarios (pg_stat_statements; planning not included):",
          '',
          '| calls | total ms | mean ms | rows/call | statement |',
          '|---|---|---|---|---|',
          ...report.topStatements.map(
            (t) =>
              `| ${t.calls} | ${t.totalMs.toFixed(0)} | ${t.meanMs.toFixed(3)} | ${t.rowsPerCall.toFixed(1)} | \`${t.query.slice(0, 160).replaceAll('|', '\\|')}\` |`,
          ),
          '',
        ]
      : []),
    `- cold start on an existing database: ${report.coldStartMs.toFixed(0)} ms (target ≤ ${LIMITS.coldStartMs} ms)`,
    `- RSS: ${report.rssMiB.afterWarmUp.toFixed(0)} MiB after warm-up, ${rssThroughout(report).toFixed(0)} MiB at most throughout (target ≤ ${LIMITS.rssMaxMiB} MiB), ${report.rssMiB.atEnd.toFixed(0)} MiB after the sign-in scenario${onPostgres ? " (the server's process only, not PostgreSQL's)" : ''}`,
    `- portal initial JS ${report.portal.initialJsGzipKB.toFixed(1)} KB gzip, CSS ${report.portal.initialCssGzipKB.toFixed(1)} KB gzip (target JS ≤ ${LIMITS.initialJsGzipKB} KB)`,
    verification,
    `- fixture written in ${(report.fixtureMs / 1000).toFixed(0)} s; the whole run took ${(report.runSeconds / 60).toFixed(1)} min`,
    ...passes,
    '',
    failures.length ? `Missed: ${failures.join('; ')}` : 'All targets met, no errors.',
    '',
  ];
}

/**
 * The scenarios both stores ran, side by side: throughput, ratio and p99 on each, and the
 * share of SQLite's ratio PostgreSQL keeps.
 */
function comparison(sqlite: Report, postgres: Report): string[] {
  const onPostgres = new Map(postgres.scenarios.map((s) => [s.name, s]));
  const rate = (s: ScenarioResult) =>
    s.unit === 'pair'
      ? `${s.unitsPerSecond.toFixed(0)} pairs/s`
      : `${s.requestsPerSecond.toFixed(0)}/s`;
  return [
    '# SQLite and PostgreSQL side by side',
    '',
    `Each ratio divides by its own run's calibration (SQLite ${sqlite.calibrationRequestsPerSecond.toFixed(0)}/s, PostgreSQL ${postgres.calibrationRequestsPerSecond.toFixed(0)}/s): the two runs ran one after the other on the same machine.`,
    '',
    '| scenario | SQLite | ratio | p99 ms | PostgreSQL | ratio | p99 ms | PostgreSQL / SQLite | PostgreSQL target |',
    '|---|---|---|---|---|---|---|---|---|',
    ...sqlite.scenarios.flatMap((s) => {
      const p = onPostgres.get(s.name);
      if (!p) return [];
      const goals = [
        p.target?.ratio ? `≥ ${p.target.ratio}` : '',
        p.target?.p99Ms ? `p99 ≤ ${p.target.p99Ms} ms` : '',
      ].filter(Boolean);
      // The calibration's ratios only show the drift within each run.
      const share =
        s.ratio && !s.name.startsWith('calibration')
          ? `${(((p.ratio ?? 0) / s.ratio) * 100).toFixed(0)} %`
          : '';
      return [
        `| ${s.name} | ${rate(s)} | ${(s.ratio ?? 0).toFixed(2)} | ${s.p99Ms} | ${rate(p)} | ${(p.ratio ?? 0).toFixed(2)} | ${p.p99Ms} | ${share} | ${goals.join(', ')} |`,
      ];
    }),
    '',
  ];
}

/** Each run's report to bench/results/<timestamp>.json; all of them to latest.md. */
function writeResults(runs: Run[]) {
  const dir = path.join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const { report, failures } of runs) {
    const stamp = report.at.replace(/[:.]/g, '-');
    writeFileSync(
      path.join(dir, `${stamp}.json`),
      `${JSON.stringify({ ...report, failures }, null, 2)}\n`,
    );
    written.push(`bench/results/${stamp}.json`);
  }
  const sqlite = runs.find((r) => r.report.settings.database === 'sqlite');
  const postgres = runs.find((r) => r.report.settings.database === 'postgres');
  const md = [
    ...(sqlite && postgres ? comparison(sqlite.report, postgres.report) : []),
    ...runs.flatMap(markdownOf),
  ].join('\n');
  writeFileSync(path.join(dir, 'latest.md'), md);
  log(`\nResults: ${written.join(', ')} and bench/results/latest.md`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
