import { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { Turns } from '../../lib/at-once.ts';
import { countMigrations, type MigrationCounts } from '../migration-counts.ts';
import * as schema from './schema.ts';

/** A database handle: on the pool, or on one of its connections (`$client` says which). */
export type PgDb = NodePgDatabase<typeof schema> & { $client: pg.Pool | pg.PoolClient | pg.Client };

/**
 * Every process that starts migrates first; one advisory lock makes the others wait for it
 * rather than fail (SPEC §11). The number is ours alone: "onbehalf" in ASCII, as a bigint.
 */
export const MIGRATION_LOCK = 0x6f6e626568616c66n;

/** The migrations beside this file in the sources; copied beside the bundle by the build. */
function migrationsFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.endsWith('dist') ? join(here, 'postgres-migrations') : join(here, 'migrations');
}

/** How long a request waits for a connection, or for a turn to write, before it fails (503). */
const WAIT_MS = 5_000;

/**
 * Transactions that write at once from one process (docs/decisions/022-postgresql-costs.md).
 * Every audited write queues on the chain head's row lock; more writers than this only wait
 * there, each holding a connection and its other locks, and on a small machine take the CPU
 * from the one that holds the head. Reads are not limited by this: they use the whole pool.
 */
export const WRITERS = 4;

/**
 * How long one statement may run, and how long a transaction may sit idle between statements,
 * on the pool's connections before PostgreSQL ends it. Our statements take milliseconds (the
 * slowest request measured took 0.6 s of the database); one that runs away, or a process that
 * stops in the middle of a transaction while it holds the chain head's row lock, would
 * otherwise hold a connection, and every other process's audited writes, forever. Either is
 * answered 503 (faults.ts). Migrations, which wait for each other and may rewrite a table,
 * lift both on their own connection (`migratePostgres`).
 */
export const STATEMENT_TIMEOUT_MS = 10_000;
export const IDLE_IN_TRANSACTION_MS = 30_000;

/**
 * The pool of an operator's maintenance command (`pnpm audit:prune`, `audit:verify`, the other
 * CLI commands): no statement timeout, since the prune's first look for the oldest kept event
 * may read far into a trail of millions, and the operator can stop it; a transaction left idle
 * is still ended, as it would hold the chain head's lock from the servers.
 */
export const MAINTENANCE_POOL = { statementTimeoutMs: 0 } as const;

/**
 * How long past `statement_timeout` a statement's answer may take before its connection is taken
 * for dead. PostgreSQL ends a statement at its timeout and says so at once; no answer by then
 * means the network between went silent (a failover that moved the address, a host powered
 * off, a firewall dropping packets), where the kernel would keep a request waiting for its
 * answer about 15 minutes and the pool's connections with it. The statement fails instead,
 * answered 503 (faults.ts), and its connection is dropped, so the pool serves again once the
 * database does.
 */
export const READ_SLACK_MS = 5_000;

/**
 * A socket for a connection that ends itself once nothing has come or gone over it for `ms`:
 * a statement's answer comes by its statement timeout, and a pooled connection that sits idle
 * longer than that is let go by the pool first (its idle timeout) or simply made again.
 */
function silentAfter(ms: number): Socket {
  const socket = new Socket();
  socket.setTimeout(ms, () =>
    socket.destroy(new Error(`Connection terminated: PostgreSQL sent nothing for ${ms} ms`)),
  );
  return socket;
}

/** How long a pool with this statement timeout waits for an answer: none without a timeout. */
export function readTimeoutFor(statementTimeoutMs: number): number {
  return statementTimeoutMs > 0 ? statementTimeoutMs + READ_SLACK_MS : 0;
}

/** The writers' turns of each pool opened here. */
const turnsOf = new WeakMap<pg.Pool, Turns>();

/** The configuration of each pool opened here, for a connection of its own (`migratePostgres`). */
const configOf = new WeakMap<pg.Pool, pg.PoolConfig>();

export function openPostgres(
  url: string,
  options: {
    max?: number;
    writers?: number;
    waitMs?: number;
    /** 0: none, for bulk loads (the bench's fixture). */
    statementTimeoutMs?: number;
    idleInTransactionMs?: number;
    /** How long a connection nobody uses stays open (node-postgres' 10 s by default). */
    idleMs?: number;
    /** How long a statement's answer may take before its connection is dropped (READ_SLACK_MS). */
    readTimeoutMs?: number;
  } = {},
) {
  const waitMs = options.waitMs ?? WAIT_MS;
  const statementTimeout = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const idleInTransaction = options.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS;
  const readTimeout = options.readTimeoutMs ?? readTimeoutFor(statementTimeout);
  const config: pg.PoolConfig = {
    max: options.max ?? 10,
    // A request never waits forever for a connection: it fails (503) and says so.
    connectionTimeoutMillis: waitMs,
    ...(options.idleMs === undefined ? {} : { idleTimeoutMillis: options.idleMs }),
    application_name: 'onbehalf',
    // No Memoize under a join (docs/decisions/022-postgresql-costs.md, "No Memoize"): planned
    // over the whole table before the LIMIT, it sizes its cache for every user there is, and
    // set up at each execution that cost an audit page of 51 events 1.2 of its 1.6 ms. Our
    // joins look up a page's few rows by key, which a plain index lookup does in microseconds.
    // No JIT compilation either: a page is planned over the whole table before its LIMIT, and
    // an estimate past `jit_above_cost` had PostgreSQL compile for 60-190 ms a statement that
    // then ran in a millisecond (Admin › Users at 100,000 people).
    // And every commit waits for its flush (SPEC §8b "durable answered commits"), whatever the
    // role's or the database's own setting: an answered sign-out or single use must not come
    // back after a crash (found by a review: nothing set or checked it).
    // And no statement or idle transaction holds a connection forever (STATEMENT_TIMEOUT_MS).
    ...withSettings(url, [
      '-c enable_memoize=off -c jit=off -c synchronous_commit=on',
      `-c statement_timeout=${statementTimeout}`,
      `-c idle_in_transaction_session_timeout=${idleInTransaction}`,
    ]),
    // A statement sent while the one before it is still out goes at once rather than waiting
    // for its answer (node-postgres' pipelining): `transaction` sends BEGIN with a command's
    // first statement and COMMIT with its last (`finishWith`), two waits less per command
    // (docs/decisions/022-postgresql-costs.md). Statements awaited one by one, as every read
    // is, go as before; nothing here reads through a portal (cursors), which pipelining refuses.
    pipeline: true,
    // A connection over which nothing came or went for that long is dropped (READ_SLACK_MS),
    // rather than waiting on a silent network, and one idle in the pool is probed by TCP
    // keepalive. A timer on the socket, moved on by its traffic: node-postgres' own per-query
    // `query_timeout` cost an audit page 250-300 µs of CPU and doubled its p99 (measured).
    ...(readTimeout > 0 ? { stream: () => silentAfter(readTimeout) } : {}),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
  const pool = new pg.Pool(config);
  configOf.set(pool, config);
  // A client that loses its server must not take the process with it: idle ones report to the
  // pool, and one in use reports to itself once the query it was running has failed (503).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  turnsOf.set(
    pool,
    // A wait past `waitMs` fails as the pool's own timeout does, so it is answered 503 (faults.ts).
    new Turns(options.writers ?? WRITERS, {
      waitMs,
      refuse: () => new Error('timeout exceeded when waiting for a turn to write'),
    }),
  );
  const db = drizzle(pool, { schema });
  return { db, pool };
}

/** What a DATABASE_URL may not set: the settings and limits that are the code's (ADR 036). */
const NOT_THE_URLS = [
  'options',
  'statement_timeout',
  'idle_in_transaction_session_timeout',
  'query_timeout',
];

/**
 * The DATABASE_URL without what it may not set, for node-postgres to read all the rest as it
 * does (a Unix socket's `?host=`, `?sslmode=`, `?ssl=no-verify`, …), and the connections'
 * settings: those the URL carried (`?options=-c …`, say a `search_path`), then ours, which win
 * where both name one. node-postgres would let the URL's `options` replace ours whole, and its
 * `?statement_timeout=` and `?idle_in_transaction_session_timeout=` override them, and with
 * them `synchronous_commit=on` (SPEC §8b "durable commits") and the limits the read timeout is
 * set by (found by reviews).
 */
export function withSettings(
  url: string,
  ours: readonly string[],
): { connectionString: string; options: string } {
  const at = url.indexOf('?');
  if (at < 0) return { connectionString: url, options: ours.join(' ') };
  const params = new URLSearchParams(url.slice(at + 1));
  const theirs = params.get('options');
  for (const name of NOT_THE_URLS) params.delete(name);
  const rest = params.toString();
  return {
    connectionString: url.slice(0, at) + (rest ? `?${rest}` : ''),
    options: [...(theirs ? [theirs] : []), ...ours].join(' '),
  };
}

/**
 * Applies the PostgreSQL migrations under a session advisory lock, then runs `afterMigrate`
 * (seeding an empty database) still holding it: processes started at once on an empty
 * database come up as one service, each waiting for the one that got the lock.
 */
export async function migratePostgres(
  pool: pg.Pool,
  afterMigrate?: (db: PgDb) => Promise<void>,
): Promise<void> {
  // A connection of its own, without the pool's read timeout: waiting for another process's
  // migration, or rewriting a large table, is no silent network.
  const config = configOf.get(pool);
  const own = config ? new pg.Client({ ...config, stream: undefined }) : undefined;
  if (own) {
    own.on('error', () => {});
    await own.connect();
  }
  const client = own ?? (await pool.connect());
  try {
    // Waiting for another process's migration, or building an index on a large table, is no
    // runaway statement: no timeout on this connection until it goes back to the pool.
    await client.query('SET statement_timeout = 0');
    await client.query('SET idle_in_transaction_session_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      const db = drizzle(client, { schema });
      await migrate(db, { migrationsFolder: migrationsFolder() });
      await afterMigrate?.(db);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
      // Back with its limits, whether the migration passed or not (a pool not opened here lends
      // one of its own connections).
      await client.query('RESET statement_timeout');
      await client.query('RESET idle_in_transaction_session_timeout');
    }
  } finally {
    if (own) await own.end();
    else (client as pg.PoolClient).release();
  }
}

/** The hashes of the bundled migrations, as drizzle records them once applied; read once. */
let bundledMigrations: string[] | undefined;

/**
 * The migrations bundled with this code the database has not applied (0: it is ready for this
 * code), and those it has that this code does not know, as on SQLite (`migrationCounts` in
 * store/sqlite/client.ts). Rejects when the database does not answer, or was never migrated.
 */
export async function postgresMigrationCounts(db: PgDb): Promise<MigrationCounts> {
  bundledMigrations ??= readMigrationFiles({ migrationsFolder: migrationsFolder() }).map(
    (m) => m.hash,
  );
  const { rows } = await db.execute<{ hash: string }>(
    sql`SELECT hash FROM drizzle.__drizzle_migrations`,
  );
  return countMigrations(
    bundledMigrations,
    rows.map((row) => row.hash),
  );
}

/** Anything statements run on: the pool, or one of its connections. */
export type PgQueryable = PgDb;
/**
 * A connection inside a transaction: the handle `transaction` below hands a command, bound to
 * one pooled connection and kept with it.
 */
export type PgTx = PgDb;

/** One drizzle handle per pooled connection, made the first time a transaction runs on it. */
const handles = new WeakMap<pg.PoolClient | pg.Client, PgDb>();

function handleOn(client: pg.PoolClient | pg.Client): PgDb {
  let handle = handles.get(client);
  if (handle === undefined) {
    handle = drizzle(client, { schema });
    handles.set(client, handle);
  }
  return handle;
}

export interface TransactionOptions {
  /** `repeatable read` for a consistent snapshot over several reads. */
  isolation?: 'repeatable read' | 'serializable';
  readOnly?: boolean;
}

/** A command under way on a handle: what it sends last, and what runs before its COMMIT. */
interface Command {
  /** Statements whose answers are awaited with the COMMIT (`finishWith`). */
  last: PromiseLike<unknown>[];
  /** Work the command asked to run once its own is done, before its COMMIT (`beforeCommit`). */
  beforeCommit: (() => Promise<void>)[];
}

/** The commands under way, by the handle each runs on. */
const commands = new WeakMap<PgTx, Command>();

/**
 * The command running on this handle now, an identity for state kept for it alone (a new
 * object for each transaction); none on a handle that is not a command's.
 */
export function commandOn(tx: PgTx): object | undefined {
  return commands.get(tx);
}

/**
 * Runs `work` once the command on this handle has done its own, before its COMMIT and in its
 * transaction (the audit appends, audit.ts: the chain head is taken last); on a handle that is
 * not a command's (`commandOn`), never.
 */
export function beforeCommit(tx: PgTx, work: () => Promise<void>): void {
  commands.get(tx)?.beforeCommit.push(work);
}

/**
 * Sends a command's last statement, whose answer the command does not read (the audit append):
 * inside `transaction` its answer is awaited with the COMMIT sent right behind it, one wait
 * instead of two; should it fail, the COMMIT only ends the failed transaction and `transaction`
 * throws its error. Elsewhere (a handle that is not a command's) it is awaited here.
 */
export function finishWith(tx: PgTx, statement: PromiseLike<unknown>): Promise<void> {
  // Asked for its answer once: a query builder's `then` sends the statement each time it is called.
  const answered = statement.then(() => undefined);
  const command = commands.get(tx);
  if (command === undefined) return Promise.resolve(answered);
  // Awaited by `transaction`, which reports its failure; marked handled until then.
  Promise.resolve(answered).catch(() => {});
  command.last.push(answered);
  return Promise.resolve();
}

/**
 * Statements sent one behind the other without waiting for each answer (the pool's connections
 * pipeline them; PostgreSQL runs them in the order sent), for a command to await in order:
 * each is marked handled here, so that when one fails, the failures of those behind it (refused
 * as "current transaction is aborted") are not reported as unhandled.
 */
export function sentTogether<T extends readonly Promise<unknown>[]>(...statements: T): T {
  for (const statement of statements) statement.catch(() => {});
  return statements;
}

/**
 * Runs `work` as one transaction on one pooled connection: `BEGIN`, the work, `COMMIT`, or
 * `ROLLBACK` when it throws. Unlike drizzle's `transaction`, the handle the work gets is the same
 * object every time that connection is used, so statements prepared on it (`prepared.ts`) are
 * built once per connection, not once per command (docs/decisions/022-postgresql-costs.md).
 *
 * `BEGIN` goes with the work's first statement and `COMMIT` with a last statement sent by
 * `finishWith`, without waiting for the answer between them (the pool's connections pipeline).
 * `BEGIN` has a fixed text and fails only with its connection, which fails what follows too;
 * the transaction commits only when `COMMIT` answers as committed.
 */
export async function transaction<T>(
  db: PgDb,
  work: (tx: PgTx) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  // A command inside another on the same handle would take over its end (its last statements,
  // its appends): never done, refused should it be. (The pool lends a command a connection no
  // other command is on.)
  if (commands.has(db)) {
    throw new Error('A transaction was started inside another on the same connection');
  }
  const source = db.$client;
  const pooled = source instanceof pg.Pool;
  // A read-only transaction (a snapshot for verification) writes nothing: it takes no turn.
  const turns = pooled && !options.readOnly ? turnsOf.get(source) : undefined;
  await turns?.take();
  let client: pg.PoolClient | pg.Client;
  try {
    client = pooled ? await source.connect() : source;
  } catch (error) {
    turns?.give();
    throw error;
  }
  const handle = pooled ? handleOn(client) : db;
  const command: Command = { last: [], beforeCommit: [] };
  const { last } = command;
  commands.set(handle, command);
  // A connection that could not roll back is destroyed, never lent again mid-transaction.
  let unusable: Error | undefined;
  try {
    const begun = client.query(beginStatement(options));
    begun.catch(() => {});
    try {
      const result = await work(handle);
      for (const more of command.beforeCommit) await more();
      const committed = client.query('COMMIT');
      committed.catch(() => {});
      await begun;
      for (const statement of last) await statement;
      // A COMMIT of a transaction that failed answers ROLLBACK, not an error.
      if ((await committed).command !== 'COMMIT') throw new Error('The transaction rolled back');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((failed: Error) => {
        unusable = failed;
      });
      throw await firstFailure(last, error);
    }
  } finally {
    commands.delete(handle);
    if (pooled) (client as pg.PoolClient).release(unusable);
    turns?.give();
  }
}

/**
 * Why a transaction failed: a last statement's own error rather than what followed it (the
 * statements behind a failed one are refused as "current transaction is aborted").
 */
async function firstFailure(last: PromiseLike<unknown>[], otherwise: unknown): Promise<unknown> {
  for (const statement of last) {
    const failed = await statement.then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    if (failed) return failed.error;
  }
  return otherwise;
}

function beginStatement({ isolation, readOnly }: TransactionOptions): string {
  let begin = 'BEGIN';
  if (isolation) begin += ` ISOLATION LEVEL ${isolation.toUpperCase()}`;
  if (readOnly) begin += ' READ ONLY';
  return begin;
}
