import path from 'node:path';
import { z } from 'zod';
import { parseHostNames } from './lib/host-names.ts';
import { parseAllowlist } from './lib/rate-limit.ts';
import { parseSigningJwk } from './lib/signing-keys.ts';
import { DEMO_PASSWORD } from './store/demo.ts';

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * A value its own parser takes, checked here so that a bad one is refused before DATA_DIR is
 * made or a database touched, by the same rule that reads it later. The parser's reason is
 * reported as it is: it quotes what may be shown, and nothing of a secret.
 */
function takenBy(parse: (text: string) => unknown) {
  return (text: string, ctx: z.RefinementCtx) => {
    try {
      parse(text);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        message: error instanceof Error ? error.message : 'is refused',
      });
    }
  };
}

/**
 * A whole number written in decimal digits, from `min` to `max`. Coerced instead, '' was 0
 * (PORT: a random port, and links to localhost:0) and `0x0BB9` was 3001.
 */
function decimal(min: number, max: number, what: string) {
  return z
    .string()
    .refine((text) => /^\d{1,9}$/.test(text) && Number(text) >= min && Number(text) <= max, {
      error: `must be ${what} from ${min} to ${max}, in decimal`,
    })
    .transform(Number);
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: decimal(1, 65_535, 'a port number').default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  /**
   * postgres://user:password@host:5432/database — runs on PostgreSQL, as many processes as
   * wanted (SPEC §11); without it, on SQLite under DATA_DIR.
   */
  DATABASE_URL: z
    .string()
    .refine(isPostgresUrl, {
      // Never echoes the value: it holds the database password.
      message:
        'must be a postgres:// or postgresql:// URL naming a host, e.g. postgres://onbehalf:password@db.internal:5432/onbehalf',
    })
    .optional(),
  /** Where the portal is reached, e.g. https://portal.example.com: sign-in links are built from it. */
  PUBLIC_ORIGIN: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  /**
   * The password of every demo account, when the demo is seeded into an empty database. Outside
   * production it defaults to the published `demo-password`; in production there is no demo
   * unless this is set (12+ characters, not the published one).
   */
  ONBEHALF_DEMO_PASSWORD: z.string().min(12).optional(),
  /** Where the built portal lives; the server serves it when present. */
  PORTAL_DIST: z.string().optional(),
  /** Only for load tests: switches the sign-in and redemption rate limits off. */
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  /**
   * How many reverse proxies in front of the server append to X-Forwarded-For. 0 (default):
   * the socket's address is the client. Never set it higher than the proxies you run, or
   * clients can choose their own address for rate limits and the audit trail.
   */
  TRUST_PROXY: decimal(0, 5, 'a number of proxies').default(0),
  /**
   * smtp://user:pass@host:port (or smtps://, TLS from the start), the schemes nodemailer takes —
   * without it, mail goes to the local outbox (Admin › Outbox).
   */
  SMTP_URL: z
    .url({
      protocol: /^smtps?$/,
      // Never echoes the value: it holds the mail server's password.
      error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587',
    })
    .optional(),
  MAIL_FROM: z.string().min(3).default('onbehalf <no-reply@onbehalf.test>'),
  /** How long audit events are kept before `audit:prune` may remove them (SOC 2: ≥ 1 year). */
  AUDIT_RETENTION_DAYS: decimal(30, 3650, 'a number of days').default(400),
  /**
   * How long a stopping server waits for the requests in flight (an export, a slow client)
   * before it cuts them: below the orchestrator's own grace before it kills the process.
   */
  SHUTDOWN_GRACE_SECONDS: decimal(0, 600, 'a number of seconds').default(10),
  /**
   * A private JWK (JSON) for session JWTs; without it a key is generated under DATA_DIR, or on
   * PostgreSQL kept in the database, sealed with ONBEHALF_SECRET.
   */
  SESSION_SIGNING_JWK: z.string().min(1).superRefine(takenBy(parseSigningJwk)).optional(),
  /**
   * 32+ bytes, base64url: the key that seals what must not be readable from the database.
   * Required with DATABASE_URL, the same in every process.
   */
  ONBEHALF_SECRET: z.string().min(43).optional(),
  /**
   * Addresses exempt from the address-wide rate limits (never from an account's own budget):
   * comma-separated CIDRs or addresses, e.g. an office NAT or a punch-out gateway.
   */
  RATE_LIMIT_ALLOWLIST: z.string().superRefine(takenBy(parseAllowlist)).default(''),
  /**
   * Host names besides PUBLIC_ORIGIN's that this server answers for (comma-separated), not URLs.
   */
  ALLOWED_HOSTS: z.string().superRefine(takenBy(parseHostNames)).default(''),
  /** The bearer token that opens GET /metrics; without it, /metrics is off (404). */
  METRICS_TOKEN: z.string().min(16).optional(),
  /**
   * `1` adds the test endpoints under /api/test/* (fresh organizations, the mailbox, the clock)
   * for QA suites. Refused with NODE_ENV=production.
   */
  ONBEHALF_TEST_MODE: z.enum(['0', '1']).default('0'),
  /**
   * With test mode: the key `/api/test/*` then asks for (header `x-onbehalf-test-key`), for a
   * test server others can reach. Without it, the test endpoints answer anyone.
   */
  ONBEHALF_TEST_MODE_KEY: z.string().min(16).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = Omit<z.infer<typeof schema>, 'PUBLIC_ORIGIN' | 'DATA_DIR'> & {
  DATA_DIR: string;
  PUBLIC_ORIGIN: string;
  isProduction: boolean;
  /** ONBEHALF_TEST_MODE=1: /api/test/* is open. Never true in production. */
  testMode: boolean;
  /**
   * Production, or test mode with a key (a test server others reach): no published demo
   * password there, seeded or already in the database (ADR 033).
   */
  reachableByOthers: boolean;
  /** Every demo account's password if the demo is seeded; none where others reach it unless set. */
  demoPassword: string | null;
};

/**
 * A start the environment does not allow, said on one line (`onbehalf: …` on stderr) naming
 * each variable that is wrong: a log collector or a unit's status shows the first line only.
 */
function invalid(...problems: string[]): Error {
  return new Error(`Invalid environment: ${problems.join('; ')}`);
}

/** The only reader of process.env. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    throw invalid(...parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const env = parsed.data;
  if (env.ONBEHALF_TEST_MODE === '1' && env.NODE_ENV === 'production') {
    throw invalid(
      "ONBEHALF_TEST_MODE=1 opens /api/test/* (made-up organizations, anyone's mailbox, a movable clock) and is refused with NODE_ENV=production.",
    );
  }
  if (env.DATABASE_URL && !env.ONBEHALF_SECRET) {
    // Generated per DATA_DIR, each process would key the audit chain and seal the shared
    // signing key its own way: the others could neither verify the one nor open the other.
    throw invalid(
      "ONBEHALF_SECRET is required with DATABASE_URL: every process must be given the same one (32 random bytes, base64url: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\").",
    );
  }
  // A server others may reach: production, or a test server given a key because others can
  // reach it (ADR 029). There the published demo password would open the demo superadmin to
  // anyone who read the README, key or no key (found by a review of the QA kit).
  const reachable = env.NODE_ENV === 'production' || env.ONBEHALF_TEST_MODE_KEY !== undefined;
  if (reachable && env.ONBEHALF_DEMO_PASSWORD === DEMO_PASSWORD) {
    throw invalid(
      `ONBEHALF_DEMO_PASSWORD may not be the published demo password ${env.NODE_ENV === 'production' ? 'in production' : 'with ONBEHALF_TEST_MODE_KEY'}: anyone who read the README could sign in as the demo superadmin.`,
    );
  }
  const origin = env.PUBLIC_ORIGIN ?? `http://localhost:${env.PORT}`;
  return {
    ...env,
    // Relative to where the command was typed (pnpm sets INIT_CWD), not the package folder.
    DATA_DIR: path.resolve(source.INIT_CWD ?? process.cwd(), env.DATA_DIR),
    // Links are built from this, never from the Host header.
    PUBLIC_ORIGIN: new URL(origin).origin,
    isProduction: env.NODE_ENV === 'production',
    testMode: env.ONBEHALF_TEST_MODE === '1',
    reachableByOthers: reachable,
    demoPassword: env.ONBEHALF_DEMO_PASSWORD ?? (reachable ? null : DEMO_PASSWORD),
  };
}
