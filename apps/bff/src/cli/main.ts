import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { migrateDatabase, openDatabase } from '../db/client.ts';
import { seedDemo } from '../db/seed.ts';
import { loadEnv } from '../env.ts';
import { printOneClickLink } from './one-click-link.ts';

const usage = `usage: onbehalf <command>
  migrate                      apply the SQL migrations to $DATA_DIR/onbehalf.db
  seed                         migrate, then seed the demo if the database is empty
  one-click <email> [minutes]  print a one-click login link for that customer`;

const env = loadEnv();
mkdirSync(env.DATA_DIR, { recursive: true });
const { db, sqlite } = openDatabase(path.join(env.DATA_DIR, 'onbehalf.db'));
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
      console.log(await printOneClickLink(db, env, email, minutes));
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
