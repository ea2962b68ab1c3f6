import type { Env } from '../env.ts';
import { type AnchoredHead, fileAnchorStorage } from '../lib/audit-anchor.ts';
import type { MetricsSources } from '../lib/metrics.ts';
import { loadServerSecret, type ServerSecret } from '../lib/server-secret.ts';
import type { DemoSeed } from '../store/demo.ts';
import { postgresAnchorFile } from '../store/postgres/audit-anchor.ts';
import { connectPostgres, migrateAndSeed } from '../store/postgres/boot.ts';
import { MAINTENANCE_POOL, migratePostgres } from '../store/postgres/client.ts';
import { describeStartFailure } from '../store/postgres/faults.ts';
import { postgresMetricsSources } from '../store/postgres/metrics.ts';
import { confirmDatabaseSecret } from '../store/postgres/signing-keys.ts';
import { createPostgresStore } from '../store/postgres/store.ts';
import { bindAuditKey } from '../store/sqlite/audit.ts';
import { leaveSummariesToTheServer } from '../store/sqlite/audit-repeats.ts';
import { migrateDatabase, openDatabase, secureDataDir } from '../store/sqlite/client.ts';
import { sqliteMetricsSources } from '../store/sqlite/metrics.ts';
import { loadDatabaseSecret } from '../store/sqlite/secret-check.ts';
import { seedDemo } from '../store/sqlite/seed.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';
import type { Store } from '../store/store.ts';

/**
 * The database the commands work on, opened; nothing is migrated until a command says so, and
 * every command that reads or writes it migrates first, which confirms the secret where the
 * database recorded one. Where it recorded none, the store records the command's in the
 * transaction of its first keyed write (an audit event, a prune's checkpoint), or refuses that
 * write if a server recorded another meanwhile: whichever commits first decides (a review
 * found a command's events written keyed apart, refused only after). A command that writes
 * nothing keyed (it failed, or had nothing to do) records nothing: run with another secret
 * than the servers', it must not lock them out (review).
 */
export interface Opened {
  /** Migrates and confirms the secret, where the database has anything to confirm it against. */
  migrate(): Promise<void>;
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

/** PostgreSQL's at `DATABASE_URL` when set, else `DATA_DIR/onbehalf.db`. */
export function openCommandDatabase(env: Env): Promise<Opened> {
  return env.DATABASE_URL ? openPostgresCommands(env, env.DATABASE_URL) : openSqliteCommands(env);
}

async function openPostgresCommands(env: Env, url: string): Promise<Opened> {
  const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  const { db, pool } = await connectPostgres(url, MAINTENANCE_POOL);
  // Refused as a process given another ONBEHALF_SECRET is, before anything is written.
  const confirm = () => confirmDatabaseSecret(db, secret.signingKeysKey, secret.auditKey);
  // What PostgreSQL refused (rights to migrate, say) in one line, as a server's start says it.
  const explained = async <T>(step: () => Promise<T>): Promise<T> => {
    try {
      return await step();
    } catch (error) {
      throw describeStartFailure(url, error);
    }
  };
  return {
    migrate: () =>
      explained(async () => {
        await migratePostgres(pool);
        await confirm();
      }),
    seed: () =>
      explained(async () => {
        await migratePostgres(pool);
        await confirm();
        // The demo writes no audit event: the first server records the secret.
        return migrateAndSeed(pool, env.demoPassword);
      }),
    store: createPostgresStore(db, {
      auditKey: secret.auditKey,
      confirmSecretWith: secret.signingKeysKey,
    }),
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
  bindAuditKey(db, secret.auditKey, { confirmSecretWith: secret.signingKeysKey });
  // A command may run beside the server, whose witness must be the one that takes counters.
  leaveSummariesToTheServer(db);
  const migrate = () => {
    migrateDatabase(db);
    // Refused as a server given another ONBEHALF_SECRET is, before anything is written.
    confirm(db, 'leaves');
  };
  return {
    migrate: async () => migrate(),
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
