import { mkdirSync } from 'node:fs';
import type pg from 'pg';
import type { Env } from '../../env.ts';
import { hashPassword } from '../../lib/passwords.ts';
import { readAtMostEvery } from '../../lib/read-at-most-every.ts';
import { loadServerSecret } from '../../lib/server-secret.ts';
import type { SigningKeys } from '../../lib/signing-keys.ts';
import type { BootedStore } from '../boot.ts';
import type { DemoSeed } from '../demo.ts';
import { endOverdueImpersonations } from '../housekeeping.ts';
import { postgresAnchorFile, postgresAuditAnchor } from './audit-anchor.ts';
import { flushRepeats, startWitnessing, watchRepeatLosses } from './audit-repeats.ts';
import { migratePostgres, openPostgres } from './client.ts';
import { describeConnectionFailure, describeStartFailure } from './faults.ts';
import { postgresMetricsSources } from './metrics.ts';
import { deleteExpiredRateLimits, postgresRateLimitStore } from './rate-limits.ts';
import { seedDemoPostgres } from './seed.ts';
import { deleteDeadSessions } from './sessions.ts';
import { loadSharedSigningKeys, publishedSigningKeys, stillSigningWith } from './signing-keys.ts';
import { createPostgresStore } from './store.ts';

/** The pool, once PostgreSQL has answered; else an error saying so in one line. */
export async function connectPostgres(
  url: string,
  options: Parameters<typeof openPostgres>[1] = {},
) {
  const opened = openPostgres(url, options);
  try {
    await opened.pool.query('SELECT 1');
  } catch (error) {
    await opened.pool.end().catch(() => {});
    throw new Error(describeConnectionFailure(url, error));
  }
  return opened;
}

/**
 * Applies the migrations and, into an empty database, the demo, under the migration lock
 * (`pnpm start` and `pnpm db:seed`), every demo account with `password`; with none (production
 * without one of the operator's own), no demo. What this call did about it.
 */
export async function migrateAndSeed(pool: pg.Pool, password: string | null): Promise<DemoSeed> {
  let demo: DemoSeed = 'not_empty';
  await migratePostgres(pool, async (locked) => {
    demo = await seedDemoPostgres(locked, password === null ? null : () => hashPassword(password));
  });
  return demo;
}

/**
 * One of any number of processes on one PostgreSQL database (SPEC §11). Everything they share
 * lives in the database: the data, the session-signing key (sealed with ONBEHALF_SECRET),
 * rate-limit budgets, the audit chain. Migrations, and the demo on an empty database, run
 * under an advisory lock, so processes started at once come up as one service: the first
 * migrates and seeds, the others wait for it, then find nothing to do.
 *
 * What stays per process is only this process's witness of the audit chain's head
 * (`DATA_DIR/audit-head.postgres.json`, ADR 020).
 */
export async function bootPostgres(env: Env, url: string): Promise<BootedStore> {
  const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  const { db, pool } = await connectPostgres(url);
  let demo: DemoSeed;
  let keys: SigningKeys;
  try {
    demo = await migrateAndSeed(pool, env.demoPassword);
    keys = await loadSharedSigningKeys(
      db,
      secret.signingKeysKey,
      env.SESSION_SIGNING_JWK,
      Date.now(),
      secret.auditKey,
    );
    // Before the first count: the repeats this process counts are witnessed (ADR 048).
    await startWitnessing(db);
  } catch (error) {
    await pool.end().catch(() => {});
    throw describeStartFailure(url, error);
  }
  mkdirSync(env.DATA_DIR, { recursive: true, mode: 0o700 });
  const auditAnchor = postgresAuditAnchor(postgresAnchorFile(env.DATA_DIR), secret.auditKey);
  const store = createPostgresStore(db, { auditKey: secret.auditKey });
  return {
    store,
    keys,
    // Read at most once in 5 s: the route is public, and a key a process added at its start is
    // in every process's JWKS within that (a verifier that meets an unknown kid fetches again).
    publishedKeys: readAtMostEvery(5_000, () =>
      publishedSigningKeys(db, secret.signingKeysKey, keys, Date.now()),
    ),
    secret,
    auditAnchor,
    advanceAuditAnchor: () => auditAnchor.advance(db),
    watchRepeatLosses: (report) => watchRepeatLosses(db, report),
    limiterStore: postgresRateLimitStore(pool),
    metricsSources: postgresMetricsSources(db, secret.auditKey),
    async housekeeping(now) {
      await endOverdueImpersonations(store, now);
      await deleteDeadSessions(db, now);
      await flushRepeats(db, secret.auditKey, now);
      await stillSigningWith(db, keys.kid, now);
      await deleteExpiredRateLimits(pool, now);
    },
    demo,
    describeFailure: (error) => describeStartFailure(url, error),
    close: () => pool.end(),
  };
}
