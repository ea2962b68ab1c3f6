import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { openApiDocument as buildOpenApiDocument, openApiFileName } from './api.ts';
import { createApp } from './app.ts';
import { type Env, loadEnv } from './env.ts';
import { createHttpServer, listen } from './http/listener.ts';
import { stoppingOf } from './http/stopping.ts';
import { withJobsRunning } from './jobs.ts';
import { systemClock, testClocks as testClocks_ } from './lib/clock.ts';
import { createJobRunner } from './lib/jobs.ts';
import { createLogger } from './lib/logger.ts';
import { createMailer } from './lib/mail.ts';
import { createMetrics } from './lib/metrics.ts';
import { createLimiters } from './lib/rate-limit.ts';
import { type BootedStore, bootStore } from './store/boot.ts';
import { DEMO_PASSWORD, demoAccounts, WITHHELD_DEMO } from './store/demo.ts';
import { startHousekeeping } from './store/housekeeping.ts';
import { demoAccountsOnPublishedPassword } from './store/published-demo-password.ts';

/** A start that cannot go on: one line on stderr, no stack, exit code 1. */
function refuseToStart(error: unknown): never {
  console.error(`onbehalf: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

let env: Env;
try {
  env = loadEnv();
} catch (error) {
  refuseToStart(error);
}
const logger = createLogger(env.LOG_LEVEL);
/**
 * Counts a commit group in /metrics once the metrics exist. Groups commit from the start (the
 * audit search index catching up, ADR 024), before the checks below let the server listen;
 * those few go uncounted.
 */
let countCommitGroup = (_transactions: number) => {};
/** Whether the server is up: a failed commit before then has nothing to drain. */
let serving = false;
let booted: BootedStore;
try {
  booted = await bootStore(env, {
    logger,
    onFatal(error) {
      // Stop rather than keep serving from a database that cannot take writes.
      logger.fatal({ err: error }, 'A commit failed; stopping.');
      process.exitCode = 1;
      if (serving) stopping.atOnce();
      else process.exit(1);
    },
    onCommitGroup: (transactions) => countCommitGroup(transactions),
  });
} catch (error) {
  refuseToStart(error);
}
const { store, keys, publishedKeys, secret, auditAnchor, commitGroups } = booted;
/**
 * The start's checks on the database, before it listens. A refusal, or a database that fails
 * one (gone, refusing), stops the start in one line, as a failed boot does, not with a stack.
 */
async function checkDatabase(): Promise<void> {
  // Test mode's made-up operators may act as anyone the database holds: never real people.
  // The database is marked a test database in the same step: from then on no process, in
  // test mode or not, adds a person outside .test to it.
  if (env.testMode && (await store.testMode.markTestDatabase(Date.now())) !== 'marked') {
    throw new Error(
      'ONBEHALF_TEST_MODE=1 is refused: the database holds accounts outside the .test domain, and test mode lets anyone make an operator who could act as them. Use a database of test accounts only.',
    );
  }

  // A database the demo was seeded into outside production keeps the published password:
  // where others reach the server (production, or test mode with a key), anyone who read the
  // README could sign in as its superadmin (ADR 033).
  if (env.reachableByOthers) {
    const open = await demoAccountsOnPublishedPassword(store);
    if (open.length > 0) {
      const why = env.isProduction ? 'NODE_ENV=production' : 'ONBEHALF_TEST_MODE_KEY';
      throw new Error(
        `${why} is refused: ${open.join(', ')} still sign in with the published demo password. Change their passwords (Account › Password) or disable them without it, or start on an empty database.`,
      );
    }
  }

  // A database a newer version migrated serves this one (a rollback during a rolling deploy),
  // but what the newer migrations changed may fail some requests: said once, at start.
  const { unknown: newerMigrations } = await store.health.ready();
  if (newerMigrations > 0) {
    logger.warn(
      `The database holds ${newerMigrations} migration(s) this version does not know: a newer version migrated it. What they changed may fail requests here; run the newer version, or restore the database from before them.`,
    );
  }
}
try {
  await checkDatabase();
} catch (error) {
  await booted.close().catch(() => {});
  refuseToStart(booted.describeFailure(error));
}

/** Keeps the chain's head outside the database; says so when the trail went backwards. */
let anchorUnread = false;
async function anchorAuditHead() {
  try {
    if ((await booted.advanceAuditAnchor()) === 'rewritten') {
      logger.error(
        'The audit trail no longer holds the head kept outside the database: it was cut back or rewritten. Run `pnpm audit:verify`.',
      );
    }
    anchorUnread = false;
  } catch (error) {
    // Said once per outage, not every second; requests meanwhile answer 503 (app.ts).
    if (!anchorUnread) logger.warn({ err: error }, 'The audit head cannot be read; retrying.');
    anchorUnread = true;
  }
}
await anchorAuditHead();
// Repeat counts the database lost before their minute's summary, as this process counted them
// (ADR 048): appended to the trail, and said here, where the database cannot reach.
booted.watchRepeatLosses(({ row, counted, stored, lost }) =>
  logger.error(
    { counter: row.key, minute: row.minute, counted, stored, lost },
    `A repeat counter in the database holds fewer than this process counted (${lost} missing): it was set back or deleted. The missing counts were appended to the audit trail.`,
  ),
);
const anchorTimer = setInterval(anchorAuditHead, 1000);
anchorTimer.unref();
// Once a minute: the last minute of a flood summarised into the trail, expired counters gone.
const housekeeping = startHousekeeping(booted.housekeeping, { now: systemClock.now, logger });
// In test mode the clock moves forward on request (POST /api/test/clock).
const testClocks = env.testMode ? testClocks_(systemClock, store.testMode) : undefined;
const clock = testClocks?.clock ?? systemClock;
const metrics = createMetrics({ sources: booted.metricsSources, clock, processMetrics: true });
countCommitGroup = (transactions) => metrics.commitGroup(transactions);

const portalDir = env.PORTAL_DIST ?? fileURLToPath(new URL('../../portal/dist', import.meta.url));
// The OpenAPI document `pnpm build` wrote beside this bundle, read at its first request. Run
// from the sources there is none, and the app builds it then (ADR 050); so it does if the file
// has gone since the start.
const shippedDocument = new URL(openApiFileName(env.testMode), import.meta.url);
const openApiDocument = existsSync(shippedDocument)
  ? () => readFile(shippedDocument, 'utf8').catch(() => buildOpenApiDocument(env.testMode))
  : undefined;
// Runs this process's share of the jobs (mail), on PostgreSQL beside every other process. Due
// by the process's own time: in test mode a request's clock may run ahead of the others'. Each
// job runs on the test clock of the request that wrote it, whichever process takes it.
const background = createJobRunner(store.jobs, {
  clock: systemClock,
  logger,
  ...(testClocks ? { testClocks } : {}),
});
const app = createApp(
  withJobsRunning({
    store,
    env,
    clock,
    ...(testClocks ? { testClocks } : {}),
    limiters: createLimiters({
      enabled: env.RATE_LIMITS === 'on',
      allowlist: env.RATE_LIMIT_ALLOWLIST,
      ...(booted.limiterStore ? { store: booted.limiterStore } : {}),
    }),
    keys,
    publishedKeys,
    secret,
    auditAnchor,
    mailer: createMailer(env, store.outbox, clock.now, secret.outboxKey),
    background,
    ...(commitGroups ? { commitGroups } : {}),
    logger,
    metrics,
  }),
  { portalDir, ...(openApiDocument ? { openApiDocument } : {}) },
);

/**
 * What the start set going, stopped, and the database closed: on shutdown, and on a start that
 * cannot listen, as on every other refused start.
 */
async function release() {
  await background.stop();
  await commitGroups?.pending()?.catch(() => {});
  clearInterval(anchorTimer);
  housekeeping.stop();
  await anchorAuditHead();
  await booted.close().catch(() => {});
}

const server = createHttpServer(app.fetch);
const stopping = stoppingOf({
  server,
  logger,
  graceSeconds: env.SHUTDOWN_GRACE_SECONDS,
  release,
  exit: (code) => process.exit(code),
});
try {
  await listen(server, env.PORT, env.HOST);
} catch (error) {
  await release();
  refuseToStart(error);
}
serving = true;
const info = server.address() as AddressInfo;
logger.info(
  { origin: env.PUBLIC_ORIGIN, address: info.address, port: info.port, store: store.dialect },
  `onbehalf is running at ${env.PUBLIC_ORIGIN}`,
);
if (booted.demo === 'withheld') logger.warn(WITHHELD_DEMO);
// The published password is said only where it may open the demo: never in production.
const published = env.demoPassword === DEMO_PASSWORD;
if (booted.demo === 'seeded' || published) {
  logger.info(
    `${booted.demo === 'seeded' ? 'Seeded the demo' : 'Demo data'}: every account's password is ${published ? `"${DEMO_PASSWORD}"` : 'ONBEHALF_DEMO_PASSWORD'}`,
  );
  for (const account of demoAccounts) logger.info(`demo account ${account.email}: ${account.what}`);
}
if (env.SMTP_URL) logger.info('Mail goes out over SMTP.');
else if (env.isProduction) {
  // Production keeps the outbox unreadable (SPEC §4b), so what goes there reaches no one. A
  // warning, not a refusal: `pnpm start` must work with NODE_ENV=production alone (SPEC §9),
  // and passwords and handed-over credentials still sign people in meanwhile.
  logger.warn(
    'No SMTP_URL: sign-in links and welcome mails by email cannot be delivered until SMTP_URL is set (the outbox is not readable in production).',
  );
} else logger.info('Mail goes to the local outbox (Admin › Outbox).');
if (env.testMode) {
  logger.warn(
    env.ONBEHALF_TEST_MODE_KEY
      ? 'TEST MODE (ONBEHALF_TEST_MODE=1): /api/test/* makes organizations, reads the mail of .test addresses and moves the clock, for callers with ONBEHALF_TEST_MODE_KEY. Never expose this server.'
      : 'TEST MODE (ONBEHALF_TEST_MODE=1): /api/test/* makes organizations, reads the mail of .test addresses and moves the clock, for any caller: set ONBEHALF_TEST_MODE_KEY on a server others can reach. Never expose this server.',
  );
}
if (env.RATE_LIMITS === 'off')
  logger.warn('Rate limits are OFF (RATE_LIMITS=off): for load tests only.');

process.on('SIGINT', (signal) => stopping.bySignal(signal));
process.on('SIGTERM', (signal) => stopping.bySignal(signal));
