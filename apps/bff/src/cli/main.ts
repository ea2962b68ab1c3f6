import { readFileSync } from 'node:fs';
import { type Env, loadEnv } from '../env.ts';
import { AppError } from '../lib/errors.ts';
import { systemMeta } from '../lib/request-meta.ts';
import { databaseRefusal } from '../store/database-refusals.ts';
import { type DemoSeed, WITHHELD_DEMO } from '../store/demo.ts';
import { createOperatorCommand, type NewOperator, operatorArguments } from './create-operator.ts';
import { emailOneClickLink, oneClickArguments } from './one-click-link.ts';
import { type Opened, openCommandDatabase } from './open-database.ts';
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

/**
 * Each command, and how many arguments it takes at most. More is refused, not ignored: an
 * option the command does not have (`audit-prune --dry-run`) must not run it as if unsaid.
 */
const COMMANDS: ReadonlyMap<string, number> = new Map([
  ['migrate', 0],
  ['seed', 0],
  ['one-click', 2],
  ['create-operator', 3],
  ['audit-verify', 0],
  ['audit-prune', 0],
]);

/** What a command was given beyond its name, checked. */
interface Given {
  operator?: NewOperator;
}

/**
 * What can be said about the arguments before a database is opened (and, on SQLite, made): an
 * unknown command, one given more arguments than it takes, a one-click without its email or
 * with bad minutes, an operator without a valid email, name, role or password changes nothing.
 */
function checkArguments(args: readonly string[]): Given {
  const [command, ...rest] = args;
  const most = command === undefined ? undefined : COMMANDS.get(command);
  if (command === undefined || most === undefined) throw new UsageError(usage);
  if (rest.length > most) {
    const takes = most === 0 ? 'takes no arguments' : `takes at most ${most}`;
    throw new UsageError(`${command} ${takes}, and was given ${JSON.stringify(rest)}\n${usage}`);
  }
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
  opened = await openCommandDatabase(env);
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
