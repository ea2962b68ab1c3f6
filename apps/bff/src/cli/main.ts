import { type Env, loadEnv } from '../env.ts';
import { type AnchoredHead, fileAnchorStorage } from '../lib/audit-anchor.ts';
import { loadServerSecret } from '../lib/server-secret.ts';
import { postgresAnchorFile } from '../store/postgres/audit-anchor.ts';
import { connectPostgres, migrateAndSeed } from '../store/postgres/boot.ts';
import { migratePostgres } from '../store/postgres/client.ts';
import { createPostgresStore } from '../store/postgres/store.ts';
import { bindAuditKey } from '../store/sqlite/audit.ts';
import { migrateDatabase, openDatabase, secureDataDir } from '../store/sqlite/client.ts';
import { seedDemo } from '../store/sqlite/seed.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';
import type { Store } from '../store/store.ts';
import { emailOneClickLink } from './one-click-link.ts';

const usage = `usage: onbehalf <command>
  migrate                      apply the migrations: PostgreSQL's at $DATABASE_URL when set
                               (under the lock the servers take), else $DATA_DIR/onbehalf.db
  seed                         migrate, then seed the demo if the database is empty
  one-click <email> [minutes]  email a one-click sign-in link to that customer (SQLite)
  audit-verify                 check the audit trail's hash chain
  audit-prune                  delete events older than AUDIT_RETENTION_DAYS, keeping a checkpoint`;

/** The database the commands work on, opened; nothing is migrated until a command says so. */
interface Opened {
  migrate(): Promise<void>;
  /** Migrates, then seeds the demo into an empty database; whether it did. */
  seed(): Promise<boolean>;
  store: Store;
  auditKey: Buffer;
  /** The audit chain's head as this host last kept it outside the database. */
  anchored(): AnchoredHead | null;
  oneClick(email?: string, minutes?: string): Promise<string>;
  close(): Promise<void>;
}

async function openPostgresCommands(env: Env, url: string): Promise<Opened> {
  const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  const { db, pool } = await connectPostgres(url);
  return {
    migrate: () => migratePostgres(pool),
    seed: () => migrateAndSeed(pool),
    store: createPostgresStore(db, { auditKey: secret.auditKey }),
    auditKey: secret.auditKey,
    anchored: () => postgresAnchorFile(env.DATA_DIR).read(),
    async oneClick() {
      throw new Error('one-click runs on SQLite only for now; use Admin › Users on PostgreSQL.');
    },
    close: () => pool.end(),
  };
}

async function openSqliteCommands(env: Env): Promise<Opened> {
  // `pnpm db:migrate` may be the first to create the database: as private as the server makes it.
  const { db, sqlite } = openDatabase(secureDataDir(env.DATA_DIR));
  const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  bindAuditKey(db, secret.auditKey);
  return {
    migrate: async () => migrateDatabase(db),
    async seed() {
      migrateDatabase(db);
      return seedDemo(db);
    },
    store: createSqliteStore(db),
    auditKey: secret.auditKey,
    anchored: () => fileAnchorStorage(env.DATA_DIR).read(),
    oneClick: (email, minutes) => emailOneClickLink(db, env, email, minutes),
    async close() {
      sqlite.close();
    },
  };
}

async function run(command: string | undefined, env: Env, opened: Opened): Promise<void> {
  switch (command) {
    case 'migrate':
      await opened.migrate();
      console.log('Migrations applied.');
      break;
    case 'seed':
      console.log((await opened.seed()) ? 'Demo seeded.' : 'Database not empty: nothing seeded.');
      break;
    case 'one-click': {
      await opened.migrate();
      const [, email, minutes] = process.argv.slice(2);
      console.log(await opened.oneClick(email, minutes));
      break;
    }
    case 'audit-verify': {
      await opened.migrate();
      const result = await opened.store.audit.verify({
        key: opened.auditKey,
        anchored: opened.anchored(),
      });
      if (result.intact) {
        console.log(
          `Audit trail intact: ${result.checked} events verified from the ${result.anchor}; the head kept outside the database ${result.outsideAnchor === 'matched' ? 'matches' : 'is missing'}.`,
        );
      } else {
        console.log(
          `Audit trail BROKEN: ${result.checked} events checked, ${result.breaks.length} breaks:`,
        );
        for (const b of result.breaks) {
          console.log(
            `  ${b.id !== null ? `event ${b.id}` : `checkpoint ${b.checkpointId}`}: ${b.problem}`,
          );
        }
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
      });
      console.log(
        result.pruned
          ? `Pruned ${result.pruned} events older than ${env.AUDIT_RETENTION_DAYS} days (through id ${result.throughId}).`
          : `Nothing older than ${env.AUDIT_RETENTION_DAYS} days.`,
      );
      break;
    }
    default:
      console.error(usage);
      process.exitCode = 2;
  }
}

let opened: Opened | undefined;
try {
  const env = loadEnv();
  opened = env.DATABASE_URL
    ? await openPostgresCommands(env, env.DATABASE_URL)
    : await openSqliteCommands(env);
  await run(process.argv[2], env, opened);
} catch (error) {
  console.error(`onbehalf: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await opened?.close();
}
