import { readFileSync } from 'node:fs';
import { type Env, loadEnv } from '../env.ts';
import { type AnchoredHead, fileAnchorStorage } from '../lib/audit-anchor.ts';
import { AppError } from '../lib/errors.ts';
import type { MetricsSources } from '../lib/metrics.ts';
import { systemMeta } from '../lib/request-meta.ts';
import { loadServerSecret, type ServerSecret } from '../lib/server-secret.ts';
import { databaseRefusal } from '../store/database-refusals.ts';
import { type DemoSeed, WITHHELD_DEMO } from '../store/demo.ts';
import { postgresAnchorFile } from '../store/postgres/audit-anchor.ts';
import { connectPostgres, migrateAndSeed } from '../store/postgres/boot.ts';
import { MAINTENANCE_POOL, migratePostgres } from '../store/postgres/client.ts';
import { postgresMetricsSources } from '../store/postgres/metrics.ts';
import { confirmDatabaseSecret } from '../store/postgres/signing-keys.ts';
import { createPostgresStore } from '../store/postgres/store.ts';
import { bindAuditKey } from '../store/sqlite/audit.ts';
import { migrateDatabase, openDatabase, secureDataDir } from '../store/sqlite/client.ts';
import { sqliteMetricsSources } from '../store/sqlite/metrics.ts';
import { loadDatabaseSecret } from '../store/sqlite/secret-check.ts';
import { seedDemo } from '../store/sqlite/seed.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';
import type { Store } from '../store/store.ts';
import { createOperatorCommand, type NewOperator, operatorArguments } from './create-operator.ts';
import { emailOneClickLink, oneClickArguments } from './one-click-link.ts';
import { UsageError } from './usage-error.ts';

const usage = `usage: onbehalf <command>
  migrate                      apply the migrations: PostgreSQL's at $DATABASE_URL when set
                               (under the lock the servers take), else $DATA_DIR/onbehalf.db
  seed                         migrate, then seed the demo if the database is empty
  one-click <email> [minutes]  email a one-click sign-in link to that customer
  create-operator <email> <name> <support|admin|superadmin>
                               make an operator (a deployment's first superadmin), the
                               password on stdin: printf '%s' "$PASSWORD" | …
  audit-verify                 check the audit trail's hash chain
  audit-prune                  delete events older than AUDIT_RETENTION_DAYS, keeping a checkpoint,
                               and the sign-in attempts and impersonations as old`;

const seedOutcome: Record<DemoSeed, string> = {
  seeded: 'Demo seeded.',
  not_empty: 'Database not empty: nothing seeded.',
  withheld: WITHHELD_DEMO,
};

/**
 * The database the commands work on, opened; nothing is migrated until a command says so, and
 * every command that reads or writes it migrates first, which confirms the secret.
 */
interface Opened {
  /** Migrates and confirms the secret, where the database has anything to confirm it against. */
  migrate(): Promise<void>;
  /**
   * After a command wrote keyed audit events: records the secret on a database that had nothing
   * to confirm it against, as a server does (those events would decide anyway). A command that
   * wrote nothing (it failed, or had nothing to do) records nothing: run with another secret
   * than the servers', it must not lock them out (review).
   */
  recordSecret(): Promise<void>;
  /** Migrates, then seeds the demo into an empty database; what it did about it. */
  seed(): Promise<DemoSeed>;
  store: Store;
  secret: ServerSecret;
  auditKey: Buffer;
  metricsSources: MetricsSources;
  /** The audit chain's head as this host last kept it outside the database. */
  anchored(): AnchoredHead | null;
  close(): Promise<void>;
}

async function openPostgresCommands(env: Env, url: string): Promise<Opened> {
  const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  const { db, pool } = await connectPostgres(url, MAINTENANCE_POOL);
  // Refused as a process given another ONBEHALF_SECRET is, before anything is written.
  const confirm = (unasked: 'records' | 'leaves') =>
    confirmDatabaseSecret(db, secret.signingKeysKey, secret.auditKey, unasked);
  return {
    async migrate() {
      await migratePostgres(pool);
      await confirm('leaves');
    },
    recordSecret: () => confirm('records'),
    async seed() {
      await migratePostgres(pool);
      await confirm('leaves');
      // The demo writes no audit event: the first server records the secret.
      return migrateAndSeed(pool, env.demoPassword);
    },
    store: createPostgresStore(db, { auditKey: secret.auditKey }),
    secret,
    auditKey: secret.auditKey,
    metricsSources: postgresMetricsSources(db, secret.auditKey),
    anchored: () => postgresAnchorFile(env.DATA_DIR).read(),
    close: () => pool.end(),
  };
}

async function openSqliteCommands(env: Env): Promise<Opened> {
  // `pnpm db:migrate` may be the first to create the database: as private as the server makes it.
  const { db, sqlite } = openDatabase(secureDataDir(env.DATA_DIR));
  const { secret, confirm } = loadDatabaseSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  bindAuditKey(db, secret.auditKey);
  const migrate = () => {
    migrateDatabase(db);
    // Refused as a server given another ONBEHALF_SECRET is, before anything is written.
    confirm(db, 'leaves');
  };
  return {
    migrate: async () => migrate(),
    recordSecret: async () => confirm(db, 'records'),
    async seed() {
      migrate();
      // The demo writes no audit event: the first server records the secret.
      return seedDemo(db, env.demoPassword);
    },
    store: createSqliteStore(db),
    secret,
    auditKey: secret.auditKey,
    metricsSources: sqliteMetricsSources(db),
    anchored: () => fileAnchorStorage(env.DATA_DIR).read(),
    async close() {
      sqlite.close();
    },
  };
}

async function run(
  command: string | undefined,
  given: Given,
  env: Env,
  opened: Opened,
): Promise<void> {
  switch (command) {
    case 'migrate':
      await opened.migrate();
      console.log('Migrations applied.');
      break;
    case 'seed': {
      const demo = await opened.seed();
      console.log(seedOutcome[demo]);
      // A deploy step that asked for the demo and got none fails.
      if (demo === 'withheld') process.exitCode = 1;
      break;
    }
    case 'one-click': {
      await opened.migrate();
      const [, email, minutes] = process.argv.slice(2);
      const sent = await emailOneClickLink({ env, ...opened }, email, minutes);
      await opened.recordSecret();
      console.log(sent);
      break;
    }
    case 'create-operator': {
      if (!given.operator) throw new UsageError(usage);
      console.log(await createOperatorCommand({ env, ...opened }, given.operator));
      break;
    }
    case 'audit-verify': {
      await opened.migrate();
      // Every break is printed as it is found, however many (the answer lists the first and
      // latest only), and the verdict after them.
      let listed = 0;
      const result = await opened.store.audit.verify({
        key: opened.auditKey,
        anchored: opened.anchored(),
        onBreak: (b) => {
          listed += 1;
          console.log(
            `  ${b.id !== null ? `event ${b.id}` : `checkpoint ${b.checkpointId}`}: ${b.problem}`,
          );
        },
      });
      if (result.intact) {
        console.log(
          `Audit trail intact: ${result.checked} events verified from the ${result.anchor}; the head kept outside the database ${result.outsideAnchor === 'matched' ? 'matches' : 'is missing'}.`,
        );
      } else {
        // Events planted past the ids a JavaScript number names exactly are counted, not named.
        const unnamed = result.breakCount - listed;
        console.log(
          `Audit trail BROKEN: ${result.checked} events checked, ${result.breakCount} breaks, listed above${unnamed > 0 ? ` (${unnamed} of them planted past the ids a number names exactly, counted only)` : ''}.`,
        );
        process.exitCode = 1;
      }
      break;
    }
    case 'audit-prune': {
      await opened.migrate();
      const result = await opened.store.audit.prune({
        key: opened.auditKey,
        retentionDays: env.AUDIT_RETENTION_DAYS,
        now: Date.now(),
        meta: systemMeta,
      });
      // `audit.pruned` was appended.
      if (result.pruned > 0) await opened.recordSecret();
      const days = env.AUDIT_RETENTION_DAYS;
      console.log(
        result.pruned
          ? `Pruned ${result.pruned} events older than ${days} days (through id ${result.throughId}).`
          : `No events older than ${days} days.`,
      );
      console.log(
        `Deleted ${result.attempts} sign-in attempts and ${result.impersonations} finished impersonations older than ${days} days.`,
      );
      break;
    }
  }
}

const COMMANDS = new Set([
  'migrate',
  'seed',
  'one-click',
  'create-operator',
  'audit-verify',
  'audit-prune',
]);

/** What a command was given beyond its name, checked. */
interface Given {
  operator?: NewOperator;
}

/**
 * What can be said about the arguments before a database is opened (and, on SQLite, made): an
 * unknown command, a one-click without its email or with bad minutes, an operator without a
 * valid email, name, role or password changes nothing.
 */
function checkArguments(args: readonly string[]): Given {
  const [command, ...rest] = args;
  if (command === undefined || !COMMANDS.has(command)) throw new UsageError(usage);
  if (command === 'one-click') oneClickArguments(rest[0], rest[1]);
  if (command === 'create-operator') {
    // Never from a terminal's echo or the arguments: piped in.
    if (process.stdin.isTTY) throw new UsageError('give the password on stdin, not typed in');
    return { operator: operatorArguments(rest, readFileSync(0, 'utf8')) };
  }
  return {};
}

let opened: Opened | undefined;
try {
  const given = checkArguments(process.argv.slice(2));
  const env = loadEnv();
  opened = env.DATABASE_URL
    ? await openPostgresCommands(env, env.DATABASE_URL)
    : await openSqliteCommands(env);
  await run(process.argv[2], given, env, opened);
} catch (thrown) {
  // A database's own refusal reads as the API answers it.
  const error = databaseRefusal(thrown) ?? thrown;
  if (error instanceof UsageError) {
    console.error(`onbehalf: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof AppError) {
    // The same stable code the API would answer with.
    console.error(`onbehalf: ${error.code}: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(`onbehalf: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
} finally {
  await opened?.close();
}
