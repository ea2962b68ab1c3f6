import type pg from 'pg';
import type { Store } from '../store.ts';
import type { TestStore } from '../test-stores.ts';
import { startWitnessing } from './audit-repeats.ts';
import { openPostgres } from './client.ts';
import { createPostgresStore } from './store.ts';

/**
 * Runs `work` on a store with a pool of its own on the test's database, and returns its result and
 * what that pool sent, statement by statement, in order, transactions included: a prepared statement by
 * its name, any other by its first word (`BEGIN`, `COMMIT`). For tests that pin the round trips
 * a request takes and that its statements are prepared once, not built on each call. `behind`
 * names the statements sent while the one before them on their connection was still unanswered
 * (pipelined): those cost no wait of their own.
 */
export async function statementsSentBy<T>(
  ts: Extract<TestStore, { dialect: 'postgres' }>,
  work: (store: Store) => Promise<T>,
): Promise<{
  names: string[];
  texts: string[];
  values: unknown[][];
  behind: string[];
  result: T;
}> {
  const { db, pool } = openPostgres(ts.url, { max: 2 });
  const store = createPostgresStore(db, { auditKey: ts.auditKey });
  const names: string[] = [];
  const texts: string[] = [];
  const values: unknown[][] = [];
  const behind: string[] = [];
  watchStatements(pool, (config, unanswered, parameters) => {
    const text = typeof config === 'string' ? config : config.text;
    const name = typeof config === 'string' ? (text.split(' ')[0] ?? '') : (config.name ?? '');
    names.push(name);
    texts.push(text);
    values.push(parameters);
    if (unanswered > 0) behind.push(name);
  });
  try {
    // As a server starts it, before the work: what it sends is not the work's.
    await startWitnessing(db);
    for (const sent of [names, texts, values, behind]) sent.length = 0;
    return { names, texts, values, behind, result: await work(store) };
  } finally {
    await pool.end();
  }
}

/**
 * Watches every connection `pool` opens from now on, whether a plain read or a command's
 * transaction uses it: `sent` hears each statement as it goes out, with how many statements
 * sent before it on that connection are still unanswered (more than none: it was pipelined),
 * and its parameters.
 */
export function watchStatements(
  pool: pg.Pool,
  sent: (
    config: string | { name?: string; text: string; values?: unknown[] },
    unanswered: number,
    parameters: unknown[],
  ) => void,
): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    let unanswered = 0;
    client.query = ((...args: unknown[]) => {
      const config = args[0] as string | { name?: string; text: string; values?: unknown[] };
      const parameters =
        typeof config === 'object' && config.values
          ? config.values
          : Array.isArray(args[1])
            ? (args[1] as unknown[])
            : [];
      sent(config, unanswered, parameters);
      unanswered += 1;
      const answered = () => {
        unanswered -= 1;
      };
      // The pool's own reads pass a callback, and get no promise.
      const callback = args.at(-1);
      if (typeof callback === 'function') {
        args[args.length - 1] = (...results: unknown[]) => {
          answered();
          return callback(...results);
        };
        return query(...args);
      }
      const answer = query(...args) as Promise<unknown>;
      answer.then(answered, answered);
      return answer;
    }) as typeof client.query;
  });
}

/**
 * Runs `work` on a store whose pool holds one connection, then reads how PostgreSQL planned each
 * statement prepared on it: a statement planned once keeps a generic plan, one whose generic
 * plan loses to a custom one is planned again at every execution.
 */
export async function plansAfter(
  ts: Extract<TestStore, { dialect: 'postgres' }>,
  work: (store: Store) => Promise<void>,
): Promise<Map<string, { generic: number; custom: number }>> {
  const { db, pool } = openPostgres(ts.url, { max: 1 });
  try {
    await work(createPostgresStore(db, { auditKey: ts.auditKey }));
    const { rows } = await pool.query<{ name: string; generic: string; custom: string }>(
      'SELECT name, generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements',
    );
    return new Map(
      rows.map((row) => [row.name, { generic: Number(row.generic), custom: Number(row.custom) }]),
    );
  } finally {
    await pool.end();
  }
}

/**
 * What a statement costs PostgreSQL, from its plan as run, over all loops of each scan:
 * - `lookedUp`: rows read through an index one by one, each a random read (an index scan's rows
 *   and those it turned away; a bitmap's heap rows). A table read whole in order (a sequential
 *   scan) is the planner's choice where that is cheaper, and is not counted here.
 * - `readWholeIn`: rows a sequential scan read, per table (what it returned and turned away).
 * - `rechecked`: of those, rows the index named but the test of the row itself turned away
 *   ("Rows Removed by Index Recheck"): a full-text index that cannot tell a match alone (a
 *   weight asked for, a phrase) has each row holding the words read back and tested.
 * - `wordsComputed`: rows whose full-text words were computed to test them (a filter or recheck
 *   holding `to_tsvector`), 8-10 µs each: the index answers a search without computing any.
 * - `lookedUpIn`: `lookedUp` per table.
 */
export interface StatementCost {
  lookedUp: number;
  /** Of `lookedUp`, rows read back to be tested again and turned away (an index's recheck). */
  rechecked: number;
  wordsComputed: number;
  lookedUpIn: Record<string, number>;
  readWholeIn: Record<string, number>;
}

export async function costOf(
  pool: pg.Pool | pg.PoolClient,
  text: string,
  values: unknown[],
): Promise<StatementCost> {
  const { rows } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
  return planCost(rows[0]['QUERY PLAN'][0].Plan);
}

/** `StatementCost` of a plan as run (EXPLAIN ANALYZE's, in JSON). */
export function planCost(plan: Record<string, unknown>): StatementCost {
  const cost: StatementCost = {
    lookedUp: 0,
    rechecked: 0,
    wordsComputed: 0,
    lookedUpIn: {},
    readWholeIn: {},
  };
  const visit = (node: Record<string, unknown>) => {
    const type = String(node['Node Type']);
    const loops = Number(node['Actual Loops'] ?? 1);
    const returned = Number(node['Actual Rows'] ?? 0);
    const filtered = Number(node['Rows Removed by Filter'] ?? 0);
    const rechecked = Number(node['Rows Removed by Index Recheck'] ?? 0);
    const table = String(node['Relation Name']);
    if (type.includes('Scan') && type !== 'Bitmap Index Scan' && type !== 'Seq Scan') {
      const rows = (returned + filtered + rechecked) * loops;
      cost.lookedUp += rows;
      cost.lookedUpIn[table] = (cost.lookedUpIn[table] ?? 0) + rows;
      cost.rechecked += rechecked * loops;
    }
    if (type === 'Seq Scan') {
      cost.readWholeIn[table] = (cost.readWholeIn[table] ?? 0) + (returned + filtered) * loops;
    }
    if (String(node.Filter ?? '').includes('to_tsvector')) {
      cost.wordsComputed += (returned + filtered) * loops;
    }
    if (rechecked > 0 && String(node['Recheck Cond'] ?? '').includes('to_tsvector')) {
      cost.wordsComputed += (returned + rechecked) * loops;
    }
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
  };
  visit(plan);
  return cost;
}

/**
 * What each statement a command sent (`statementsSentBy`) costs, run again as it was: under the
 * planner settings its transaction set before it (`set_config`), and nothing else, each of the
 * command's transactions replayed in one of its own, rolled back. Each entry names its statement.
 */
export async function costsOfSent(
  pool: pg.Pool,
  { texts, values }: { texts: string[]; values: unknown[][] },
): Promise<{ statement: string; cost: StatementCost }[]> {
  const client = await pool.connect();
  const costs: { statement: string; cost: StatementCost }[] = [];
  try {
    await client.query('BEGIN');
    for (const [i, statement] of texts.entries()) {
      if (/^(BEGIN|COMMIT|ROLLBACK)\b/i.test(statement)) {
        // What one transaction set ends with it.
        await client.query('ROLLBACK');
        await client.query('BEGIN');
        continue;
      }
      if (statement.includes('set_config(')) {
        await client.query(statement, values[i] ?? []);
        continue;
      }
      costs.push({ statement, cost: await costOf(client, statement, values[i] ?? []) });
    }
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
  return costs;
}

/**
 * Runs `work` on a store whose pool holds one connection, and returns the plan, as run, of every
 * statement PostgreSQL ran for it, the statements of the functions it called included: the query
 * `audit_events_matching` runs (migration 0015) is planned inside the function, where EXPLAIN of
 * the statement calling it does not look. PostgreSQL's `auto_explain` writes each plan to the
 * connection as a notice (loaded for this connection only, as the test server's superuser).
 */
export async function plansRunBy<T>(
  ts: Extract<TestStore, { dialect: 'postgres' }>,
  work: (store: Store) => Promise<T>,
): Promise<{ plans: { query: string; cost: StatementCost }[]; result: T }> {
  const { db, pool } = openPostgres(ts.url, { max: 1 });
  const plans: { query: string; cost: StatementCost }[] = [];
  pool.on('connect', (client) => {
    client.on('notice', (notice) => {
      const at = notice.message?.indexOf('{') ?? -1;
      if (!notice.message?.startsWith('duration:') || at < 0) return;
      const explained = JSON.parse(notice.message.slice(at)) as {
        'Query Text': string;
        Plan: Record<string, unknown>;
      };
      plans.push({ query: explained['Query Text'], cost: planCost(explained.Plan) });
    });
    // Sent first on the connection, before any statement of `work`.
    void client.query(`LOAD 'auto_explain';
      SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
      SET auto_explain.log_timing = off; SET auto_explain.log_nested_statements = on;
      SET auto_explain.log_format = json; SET auto_explain.log_level = notice`);
  });
  try {
    const result = await work(createPostgresStore(db, { auditKey: ts.auditKey }));
    return { plans, result };
  } finally {
    await pool.end();
  }
}
