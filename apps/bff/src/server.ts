import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { loadEnv } from './env.ts';
import { bindAuditKey } from './lib/audit.ts';
import { fileAuditAnchor } from './lib/audit-anchor.ts';
import { createBackground } from './lib/background.ts';
import { systemClock, testClocks as testClocks_ } from './lib/clock.ts';
import { createLogger } from './lib/logger.ts';
import { createMailer } from './lib/mail.ts';
import { createMetrics } from './lib/metrics.ts';
import { createLimiters } from './lib/rate-limit.ts';
import { loadServerSecret } from './lib/server-secret.ts';
import { loadSigningKeys } from './lib/signing-keys.ts';
import { DEMO_PASSWORD, demoAccounts } from './store/demo.ts';
import { startCheckpointer } from './store/sqlite/checkpointer.ts';
import { migrateDatabase, openDatabase, secureDataDir } from './store/sqlite/client.ts';
import { startCommitGroups } from './store/sqlite/commit-groups.ts';
import { sqliteMetricsSources } from './store/sqlite/metrics.ts';
import { seedDemo } from './store/sqlite/seed.ts';
import { createSqliteStore } from './store/sqlite/store.ts';

const env = loadEnv();
const logger = createLogger(env.LOG_LEVEL);
const dbFile = secureDataDir(env.DATA_DIR);
const { db, sqlite } = openDatabase(dbFile);
migrateDatabase(db);
const checkpointer = startCheckpointer(sqlite, dbFile, {
  report: (problem) => logger.error(problem),
});
const seeded = await seedDemo(db);
const keys = await loadSigningKeys(env.DATA_DIR, env.SESSION_SIGNING_JWK);
const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
bindAuditKey(db, secret.auditKey);
const auditAnchor = fileAuditAnchor(env.DATA_DIR);
/** Keeps the chain's head outside the database; says so when the trail went backwards. */
function anchorAuditHead() {
  if (auditAnchor.advance(db) === 'rewritten') {
    logger.error(
      'The audit trail no longer holds the head kept outside the database: it was cut back or rewritten. Run `pnpm audit:verify`.',
    );
  }
}
anchorAuditHead();
const anchorTimer = setInterval(anchorAuditHead, 1000);
anchorTimer.unref();
// In test mode the clock moves forward on request (POST /api/test/clock).
const testClocks = env.testMode ? testClocks_(systemClock) : undefined;
const clock = testClocks?.clock ?? systemClock;
const metrics = createMetrics({ sources: sqliteMetricsSources(db), clock, processMetrics: true });
const commitGroups = startCommitGroups(
  db,
  sqlite,
  (error) => {
    // A failed commit (disk full, I/O error) was rolled back and its answers failed; stop
    // rather than keep serving from a database that cannot take writes.
    logger.fatal({ err: error }, 'A commit failed; stopping.');
    process.exitCode = 1;
    shutdown();
  },
  metrics.commitGroup,
);

const portalDir = env.PORTAL_DIST ?? fileURLToPath(new URL('../../portal/dist', import.meta.url));
const app = createApp(
  {
    store: createSqliteStore(db),
    env,
    clock,
    ...(testClocks ? { testClocks } : {}),
    limiters: createLimiters({
      enabled: env.RATE_LIMITS === 'on',
      allowlist: env.RATE_LIMIT_ALLOWLIST,
    }),
    keys,
    secret,
    auditAnchor,
    mailer: createMailer(env, db, clock.now, secret.outboxKey),
    background: createBackground((error) => logger.error({ err: error }, 'background task failed')),
    commitGroups,
    logger,
    metrics,
  },
  { portalDir },
);

const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  logger.info(
    { origin: env.PUBLIC_ORIGIN, address: info.address, port: info.port },
    `onbehalf is running at ${env.PUBLIC_ORIGIN}`,
  );
  logger.info(
    `${seeded ? 'Seeded the demo' : 'Demo data'}: every account's password is "${DEMO_PASSWORD}"`,
  );
  for (const account of demoAccounts) logger.info(`demo account ${account.email}: ${account.what}`);
  logger.info(
    env.SMTP_URL ? 'Mail goes out over SMTP.' : 'Mail goes to the local outbox (Admin › Outbox).',
  );
  if (env.testMode) {
    logger.warn(
      'TEST MODE (ONBEHALF_TEST_MODE=1): /api/test/* makes organizations, reads any mailbox and moves the clock. Never expose this server.',
    );
  }
  if (env.RATE_LIMITS === 'off')
    logger.warn('Rate limits are OFF (RATE_LIMITS=off): for load tests only.');
});

function shutdown() {
  server.close(async () => {
    await commitGroups.pending()?.catch(() => {});
    clearInterval(anchorTimer);
    anchorAuditHead();
    await checkpointer.stop();
    sqlite.close();
    process.exit();
  });
  setTimeout(() => process.exit(), 2000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
