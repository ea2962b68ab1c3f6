import { loadEnv } from '../env.ts';
import { bindAuditKey } from '../lib/audit.ts';
import { fileAuditAnchor } from '../lib/audit-anchor.ts';
import { loadServerSecret } from '../lib/server-secret.ts';
import { migrateDatabase, openDatabase, secureDataDir } from '../store/sqlite/client.ts';
import { seedDemo } from '../store/sqlite/seed.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';
import { emailOneClickLink } from './one-click-link.ts';

const usage = `usage: onbehalf <command>
  migrate                      apply the SQL migrations to $DATA_DIR/onbehalf.db
  seed                         migrate, then seed the demo if the database is empty
  one-click <email> [minutes]  email a one-click sign-in link to that customer
  audit-verify                 check the audit trail's hash chain
  audit-prune                  delete events older than AUDIT_RETENTION_DAYS, keeping a checkpoint`;

const env = loadEnv();
// `pnpm db:migrate` may be the first to create the database: as private as the server makes it.
const { db, sqlite } = openDatabase(secureDataDir(env.DATA_DIR));
const secret = loadServerSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
bindAuditKey(db, secret.auditKey);
const [command] = process.argv.slice(2);

try {
  switch (command) {
    case 'migrate':
      migrateDatabase(db);
      console.log('Migrations applied.');
      break;
    case 'seed':
      migrateDatabase(db);
      console.log((await seedDemo(db)) ? 'Demo seeded.' : 'Database not empty: nothing seeded.');
      break;
    case 'one-click': {
      migrateDatabase(db);
      const [, email, minutes] = process.argv.slice(2);
      console.log(await emailOneClickLink(db, env, email, minutes));
      break;
    }
    case 'audit-verify': {
      migrateDatabase(db);
      const anchor = fileAuditAnchor(env.DATA_DIR);
      const result = await createSqliteStore(db).audit.verify({
        key: secret.auditKey,
        anchored: anchor.read(),
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
      migrateDatabase(db);
      const result = await createSqliteStore(db).audit.prune({
        key: secret.auditKey,
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
} catch (error) {
  console.error(`onbehalf: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  sqlite.close();
}
