import { createOneClickLinkBody } from '@onbehalf/contracts/login-links';
import type { Env } from '../env.ts';
import { createOneClickLink } from '../features/one-click/one-click.service.ts';
import { memoryAnchorStorage } from '../lib/audit-anchor.ts';
import { systemClock } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import { createJobRunner } from '../lib/jobs.ts';
import { createLogger, silentLogger } from '../lib/logger.ts';
import { createMailer } from '../lib/mail.ts';
import { maskEmail } from '../lib/mask-email.ts';
import { createMetrics, type MetricsSources } from '../lib/metrics.ts';
import { createLimiters } from '../lib/rate-limit.ts';
import { systemMeta } from '../lib/request-meta.ts';
import type { ServerSecret } from '../lib/server-secret.ts';
import { generateSigningKeys } from '../lib/signing-keys.ts';
import type { Store } from '../store/store.ts';
import { UsageError } from './usage-error.ts';

/** What the command needs of the opened database, whichever it is (SQLite or PostgreSQL). */
export interface OneClickDoor {
  env: Env;
  store: Store;
  secret: ServerSecret;
  metricsSources: MetricsSources;
}

const ONE_CLICK_USAGE = 'usage: one-click <email> [minutes]';

/** The minutes asked for, checked by the same contract the API checks a request with. */
function parseMinutes(minutes: string | undefined): number | undefined {
  if (minutes === undefined) return undefined;
  const asked = /^\d+$/.test(minutes) ? Number(minutes) : Number.NaN;
  const checked = createOneClickLinkBody.shape.expiresInMinutes.safeParse(asked);
  if (!checked.success || checked.data === undefined) {
    throw new UsageError(
      `minutes must be a whole number from 1 to ${24 * 60}, not "${minutes}"\n${ONE_CLICK_USAGE}`,
    );
  }
  return checked.data;
}

/**
 * The command's arguments, checked before any database is opened: a usage error changes nothing.
 */
export function oneClickArguments(
  email: string | undefined,
  minutes: string | undefined,
): { email: string; expiresInMinutes: number | undefined } {
  if (!email) throw new UsageError(ONE_CLICK_USAGE);
  return { email, expiresInMinutes: parseMinutes(minutes) };
}

/**
 * The command-line door to one-click links: same service, same rules and audit as the API, on
 * whichever store the command opened (no SQL of its own). It emails the link to the customer
 * and never prints it: whoever ran the command would otherwise hold a way into the account that
 * no impersonation rule governs (SPEC §4b).
 */
export async function emailOneClickLink(door: OneClickDoor, asked?: string, minutes?: string) {
  const { email, expiresInMinutes } = oneClickArguments(asked, minutes);
  const { env, store, secret } = door;
  const user = await store.auth.findUserByEmail(email);
  if (!user) throw new AppError('not_found', { message: `No user with email ${email}.` });
  const deps = {
    env,
    store,
    clock: systemClock,
    limiters: createLimiters({ enabled: false }),
    // Never published: making a link signs nothing.
    keys: (await generateSigningKeys()).keys,
    publishedKeys: async () => [],
    secret,
    auditAnchor: memoryAnchorStorage(),
    mailer: createMailer(env, store.outbox, systemClock.now, secret.outboxKey),
    // Never started: this command mails its link itself, and leaves the server's jobs to it.
    background: createJobRunner(store.jobs, { clock: systemClock, logger: silentLogger }),
    // On stderr: stdout is the command's answer.
    logger: createLogger(env.LOG_LEVEL, 2),
    metrics: createMetrics({ sources: door.metricsSources, clock: systemClock }),
  };
  const created = await createOneClickLink(
    deps,
    { kind: 'system', name: 'command line' },
    {
      userId: user.id,
      delivery: 'email',
      ...(expiresInMinutes !== undefined ? { expiresInMinutes } : {}),
    },
    systemMeta,
  );
  const where = deps.mailer.transport === 'outbox' ? ' (the local outbox)' : '';
  return `Sent a sign-in link to ${maskEmail(user.email)}${where}; it works until ${created.body.expiresAt}.`;
}
