import { errorsWithin } from '../database-refusals.ts';

/**
 * Telling a database that went away from a request that went wrong. A request that loses
 * PostgreSQL is answered 503 (app.ts), not 500: its transaction did not commit, and trying again
 * later may well work.
 */

/**
 * SQLSTATE classes of a server or connection that is gone or cannot serve now: 08 connection
 * exception, 53 insufficient resources (too many connections, disk full), 57 operator
 * intervention (shut down, restarted, backend terminated, cannot connect now, and a statement
 * cancelled at `statement_timeout`: one that ran away, answered 503 like the rest), and 40
 * transaction rollback (a deadlock or a serialization failure: PostgreSQL rolled the whole
 * transaction back, and the same request sent again may well pass). Our writes lock in one
 * order and none runs serializable, so 40 is not expected; if it comes, it is a 503 to retry,
 * not a 500.
 */
const UNAVAILABLE_CLASSES = new Set(['08', '40', '53', '57']);

/**
 * Single codes of other classes that say the same: 25P03, a transaction that sat idle past
 * `idle_in_transaction_session_timeout` (client.ts), its connection ended by the server.
 */
const UNAVAILABLE_CODES = new Set(['25P03']);

/** What the network says when a server is not there. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * What the pool says when its connection ends under a query (a silent network's included,
 * client.ts `READ_SLACK_MS`), or none can be had in time, and what `transaction` says when no
 * turn to write came in time (client.ts).
 */
const LOST_CONNECTION =
  /^(Connection terminated|timeout exceeded when (trying to connect|waiting for a turn to write)|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;

function unavailable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_CLASSES.has(code.slice(0, 2))) return true;
    if (UNAVAILABLE_CODES.has(code)) return true;
  }
  return LOST_CONNECTION.test(error.message);
}

/** Whether this error, or one it wraps (drizzle wraps the driver's), says PostgreSQL is gone. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const each of errorsWithin(error)) if (unavailable(each)) return true;
  return false;
}

/**
 * One line for an operator when the server cannot reach PostgreSQL at start: where it tried
 * (never the password) and what it got.
 */
export function describeConnectionFailure(url: string, error: unknown): string {
  const where = placeOf(url);
  let reason = 'no answer';
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const first = error instanceof AggregateError ? error.errors[0] : undefined;
    reason =
      error.message ||
      (first instanceof Error ? first.message : '') ||
      (typeof code === 'string' ? code : reason);
  }
  return `Cannot reach PostgreSQL at ${where} (${reason.replace(/\s+/g, ' ')}): check DATABASE_URL and that the database server is running.`;
}

/** Where a URL points (never its password): `host:port/database`. */
function placeOf(url: string): string {
  const { hostname, port, pathname } = new URL(url);
  return `${hostname}:${port || '5432'}${pathname || '/'}`;
}

/**
 * What to say when PostgreSQL failed a step of a start after it answered: applying the
 * migrations without the rights to, the connection lost while another process migrated. One
 * line with what PostgreSQL answered, where drizzle's own message is the statement it sent
 * over two lines, the answer left in its `cause` (a review). Errors of ours go on as they are.
 */
export function describeStartFailure(url: string, error: unknown): unknown {
  for (const each of errorsWithin(error)) {
    if (unavailable(each)) return new Error(describeConnectionFailure(url, each));
  }
  for (const each of errorsWithin(error)) {
    const { code, severity } = each as { code?: unknown; severity?: unknown };
    if (typeof code !== 'string' || typeof severity !== 'string') continue;
    // 42501: insufficient privilege, the first deploy whose role may connect and not create.
    const hint =
      code === '42501'
        ? ': the role in DATABASE_URL applies the migrations, so it must own the database (or hold CREATE on it and on its public schema)'
        : '';
    return new Error(
      `PostgreSQL at ${placeOf(url)} refused: ${each.message.replace(/\s+/g, ' ')} (SQLSTATE ${code})${hint}.`,
    );
  }
  return error;
}
