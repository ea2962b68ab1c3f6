import type { Env } from '../env.ts';
import { createOneClickLink } from '../features/one-click/one-click.service.ts';
import { memoryAnchorStorage } from '../lib/audit-anchor.ts';
import { systemClock } from '../lib/clock.ts';
import { createJobRunner } from '../lib/jobs.ts';
import { createLogger, silentLogger } from '../lib/logger.ts';
import { createMailer } from '../lib/mail.ts';
import { createMetrics } from '../lib/metrics.ts';
import { createLimiters } from '../lib/rate-limit.ts';
import { systemMeta } from '../lib/request-meta.ts';
import { loadServerSecret } from '../lib/server-secret.ts';
import { generateSigningKeys } from '../lib/signing-keys.ts';
import type { Db } from '../store/sqlite/client.ts';
import { maskEmail } from '../store/sqlite/login-attempts.ts';
import { sqliteMetricsSources } from '../store/sqlite/metrics.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';

/**
 * The command-line door to one-click links: same service, same rules and audit as the API.
 * It emails the link to the customer and never prints it: whoever ran the command would
 * otherwise hold a way into the account that no impersonation rule governs (SPEC §4b).
 */
export async function emailOneClickLink(db: Db, env: Env, email?: string, minutes?: string) {
  if (!email) throw new Error('usage: one-click <email> [minutes]');
  const store = createSqliteStore(db);
  const user = await store.auth.findUserByEmail(email);
  if (!user) throw new Error(`No user with email ${email}`);
  const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  const deps = {
    env,
    store,
    clock: systemClock,
    limiters: createLimiters({ enabled: false }),
    keys: (await generateSigningKeys()).keys,
    secret,
    auditAnchor: memoryAnchorStorage(),
    mailer: createMailer(env, store.outbox, systemClock.now, secret.outboxKey),
    // Never started: this command mails its link itself, and leaves the server's jobs to it.
    background: createJobRunner(store.jobs, { clock: systemClock, logger: silentLogger }),
    // On stderr: stdout is the command's answer.
    logger: createLogger(env.LOG_LEVEL, 2),
    metrics: createMetrics({ sources: sqliteMetricsSources(db), clock: systemClock }),
  };
  const created = await createOneClickLink(
    deps,
    { kind: 'system', name: 'command line' },
    {
      userId: user.id,
      delivery: 'email',
      ...(minutes ? { expiresInMinutes: Number(minutes) } : {}),
    },
    systemMeta,
  );
  const where = deps.mailer.transport === 'outbox' ? ' (the local outbox)' : '';
  return `Sent a sign-in link to ${maskEmail(user.email)}${where}; it works until ${created.body.expiresAt}.`;
}
