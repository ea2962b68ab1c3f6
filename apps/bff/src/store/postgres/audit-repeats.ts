import { and, asc, eq, gt, lt, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  minuteOf,
  type RepeatableEntry,
  repeatRow,
  repeatSummary,
  summaryMetaOf,
} from '../../lib/audit-repeat-rows.ts';
import {
  type CounterState,
  type LostCount,
  lostCountEntry,
  repeatWitnessOf,
} from '../../lib/repeat-witness.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { appendAudit, lockChainHead } from './audit.ts';
import { type PgDb, type PgTx, transaction } from './client.ts';
import { prepared } from './prepared.ts';
import { auditEvents, auditRepeats } from './schema.ts';

/**
 * Repeated refusals and reads on PostgreSQL (SPEC §8b): the same functions, meaning and answers
 * as on SQLite (store/sqlite/audit-repeats.ts), with every process counting into the same table.
 *
 * Each connection counts into a row of its own (`stripe`, its backend's pid): a row is locked
 * from its update until its commit is flushed, and a reader paging the trail counts on every
 * page, so with one row per minute the pages of one reader waited for each other's flushes
 * (docs/decisions/022-postgresql-costs.md). A minute's count is the sum of its rows.
 *
 * Lock order, so that counting never deadlocks with the chain: a transaction that will append
 * locks the chain head (`audit_head`) *before* it locks any counter row. Only a plain "one more
 * in this minute" locks a counter without the head, and it then waits for nothing else.
 */

/**
 * This process's memory of what it counted (lib/repeat-witness.ts): several processes count
 * into one table and any of them may summarise a minute, so a row another took is found again
 * in the summary that names it (`flushRepeats`; docs/decisions/048-repeat-witness.md).
 */
const WITNESS = { oneWriter: false };

/** What a count answers of its row, for the witness (`CounterState`). */
const counterState = {
  count: auditRepeats.count,
  stripe: auditRepeats.stripe,
  made: auditRepeats.made,
};
const stateOf = (row: { count: number; stripe: number; made: string }): CounterState => ({
  stripe: row.stripe,
  stored: row.count,
  made: row.made,
});

/** The row of the connection a statement runs on. */
const thisConnection = sql<number>`pg_backend_pid()`;

/**
 * Records a refusal or a read that may repeat. The first of its kind by the same actor for the
 * same rule in a minute is written at once; the repeats in that minute are only counted, and one
 * `audit.repeated` event gives their number when the minute is over. However many processes
 * count at once, exactly one of them writes the first event.
 */
export async function recordRepeatable(
  db: PgDb,
  key: Buffer,
  entry: RepeatableEntry,
  /** What repeats: the rule that refused, or what was read. */
  rule: string,
  meta: RequestMeta,
  /**
   * Written with the first of the minute only, in its transaction, after the head (a failed
   * attempt's row: `login_attempts` has no foreign keys, so it locks no other row, and the head
   * stays the last lock the command waits for, ADR 022).
   */
  withFirst?: (tx: PgTx) => Promise<void>,
): Promise<void> {
  const row = repeatRow(entry, rule, meta);
  const witness = repeatWitnessOf(db, WITNESS);
  // A store no server started (a command's, a test's) marks where the trail ends at its first
  // count: every summary of a minute it counts in comes after.
  if (witness.mark === undefined) await startWitnessing(db);
  // The common case, a repeat in a minute whose first is written, with nothing older left to
  // summarise, is one statement on the row of the connection it runs on (made if missing):
  // locked only while PostgreSQL runs it and flushes, and waited for by no other connection.
  const [counted] = await countRepeat(db).execute({
    key: row.key,
    minute: row.minute,
    at: entry.at,
  });
  if (counted) {
    await appendLosses(db, key, [witness.counted(row, stateOf(counted), false)]);
    return;
  }
  const { mine, wroteFirst, flushed } = await transaction(db, async (tx) => {
    const flushed = await flushRepeatsBefore(tx, key, row.minute);
    // The head before the counter rows, so the first of the minute is decided one at a time:
    // the first is the one that finds no row for it, on any connection.
    await lockChainHead(tx);
    const [earlier] = await tx
      .select({ stripe: auditRepeats.stripe })
      .from(auditRepeats)
      .where(and(eq(auditRepeats.key, row.key), eq(auditRepeats.minute, row.minute)))
      .limit(1);
    const [mine] = await tx
      .insert(auditRepeats)
      .values({ ...row, stripe: thisConnection, first: !earlier })
      .onConflictDoUpdate({
        target: [auditRepeats.key, auditRepeats.minute, auditRepeats.stripe],
        set: {
          count: sql`${auditRepeats.count} + 1`,
          lastAt: sql`GREATEST(${auditRepeats.lastAt}, ${entry.at})`,
        },
      })
      .returning(counterState);
    if (!earlier) {
      await withFirst?.(tx);
      await appendAudit(tx, key, entry, meta);
    }
    return { mine, wroteFirst: !earlier, flushed };
  });
  // The process's witness learns what was committed, and only that (lib/repeat-witness.ts).
  await appendLosses(db, key, [
    ...(flushed ? witness.flushed(row.minute, flushed) : []),
    mine ? witness.counted(row, stateOf(mine), wroteFirst) : null,
  ]);
}

/**
 * Appends the counts a counter row lost (set back or deleted since this process counted into
 * it): rare, so in a transaction of its own, after the one that found them.
 */
async function appendLosses(
  db: PgDb,
  key: Buffer,
  losses: readonly (LostCount | null)[],
): Promise<void> {
  const found = losses.filter((loss) => loss !== null);
  if (found.length === 0) return;
  await transaction(db, async (tx) => {
    for (const loss of found) {
      await appendAudit(tx, key, lostCountEntry(loss), summaryMetaOf(loss.row));
    }
  });
}

/**
 * One more in this minute, on the row of the connection this statement runs on (made if it has
 * none), when the minute's first event is already written (a row of the minute exists, on any
 * connection: the first is written with the first row, under the chain head) and no older
 * minute awaits its summary. It counts on its own connection's row whichever connection wrote
 * the first: made only by the first of each minute's transactions, a connection's row was
 * missing whenever the pool lent that transaction another connection, and every repeat on it
 * then took the chain head again (the newest audit page's p99 of 46-52 ms on PostgreSQL).
 */
const countRepeat = prepared((db) => {
  const older = alias(auditRepeats, 'older');
  const minute = alias(auditRepeats, 'minute_row');
  return db
    .insert(auditRepeats)
    .select(
      db
        .select({
          key: minute.key,
          minute: minute.minute,
          type: minute.type,
          actorUserId: minute.actorUserId,
          actorKind: minute.actorKind,
          organizationId: minute.organizationId,
          rule: minute.rule,
          via: minute.via,
          asked: minute.asked,
          subjectUserId: minute.subjectUserId,
          ip: minute.ip,
          stripe: sql<number>`${thisConnection}`.as('stripe'),
          count: sql<number>`1`.as('count'),
          lastAt: sql<number>`${sql.placeholder('at')}::bigint`.as('last_at'),
          // A row of its own for this connection, marked anew (used only when it is made).
          made: sql<string>`gen_random_uuid()`.as('made'),
          // The minute's first is written with a row a transaction makes, never with this one.
          first: sql<boolean>`false`.as('first'),
        })
        .from(minute)
        .where(
          and(
            eq(minute.key, sql.placeholder('key')),
            eq(minute.minute, sql.placeholder('minute')),
            notExists(
              db
                .select({ one: sql`1` })
                .from(older)
                .where(lt(older.minute, sql.placeholder('minute'))),
            ),
          ),
        )
        .limit(1),
    )
    .onConflictDoUpdate({
      target: [auditRepeats.key, auditRepeats.minute, auditRepeats.stripe],
      set: {
        count: sql`${auditRepeats.count} + 1`,
        lastAt: sql`GREATEST(${auditRepeats.lastAt}, excluded.last_at)`,
      },
    })
    .returning(counterState)
    .prepare('audit_repeat_count');
});

/**
 * Writes the summary of every minute before `minute` that had repeats, and forgets those
 * minutes. Taking the counters is the delete itself, so when several processes flush at once
 * each closed minute is summarised once. Summaries are appended in minute order, each naming
 * the rows it took (their mark and count), where every process's witness finds its own; the
 * rows are given back for this process's (lib/repeat-witness.ts).
 */
async function flushRepeatsBefore(
  tx: PgTx,
  key: Buffer,
  minute: number,
): Promise<CounterRow[] | null> {
  const [pending] = await tx
    .select({ minute: auditRepeats.minute })
    .from(auditRepeats)
    .where(lt(auditRepeats.minute, minute))
    .limit(1);
  if (!pending) return null;
  await lockChainHead(tx);
  const closed = await tx.delete(auditRepeats).where(lt(auditRepeats.minute, minute)).returning();
  for (const { row, repeats, counters } of summedByMinute(closed)) {
    // Its repeats as one more than the first, the count `repeatSummary` takes.
    const summary = repeatSummary({ ...row, count: repeats + 1 });
    if (!summary) continue;
    // The rows it took, by their mark, for each process's witness to find its own in.
    const named = { ...summary, details: { ...summary.details, counters } };
    await appendAudit(tx, key, named, summaryMetaOf(row));
  }
  return closed;
}

type CounterRow = typeof auditRepeats.$inferSelect;

/**
 * One counter per kind and minute, in minute order, then by key: its repeats (each of its
 * connections' rows' counts, but the minute's first where a row was written with it), the
 * latest time of them, and the rows summed (their mark and count). A row set below zero in the
 * database counts as none: it may not take other connections' counts with it.
 */
function summedByMinute(rows: CounterRow[]) {
  const sorted = [...rows].sort(
    (a, b) =>
      a.minute - b.minute || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.stripe - b.stripe,
  );
  const summed: {
    row: CounterRow;
    repeats: number;
    counters: { made: string; count: number }[];
  }[] = [];
  for (const row of sorted) {
    const last = summed.at(-1);
    const repeats = Math.max(row.count - (row.first ? 1 : 0), 0);
    const counter = { made: row.made, count: row.count };
    if (last && last.row.key === row.key && last.row.minute === row.minute) {
      last.repeats += repeats;
      last.row.lastAt = Math.max(last.row.lastAt, row.lastAt);
      last.counters.push(counter);
    } else summed.push({ row, repeats, counters: [counter] });
  }
  return summed;
}

/**
 * The server's once-a-minute flush, so the last minute of a flood is summarised too. Then, with
 * every closed minute summarised (by this process or, committed, by another), the process's
 * witness reads the summaries appended since it last looked, finds in them the rows it
 * counted into that others took, and appends what those, or rows found in none, lost.
 */
export async function flushRepeats(db: PgDb, key: Buffer, now: number): Promise<void> {
  const minute = minuteOf(now);
  const witness = repeatWitnessOf(db, WITNESS);
  const closed = await transaction(db, (tx) => flushRepeatsBefore(tx, key, minute));
  await appendLosses(db, key, witness.flushed(minute, closed ?? []));
  if (witness.mark === undefined) return;
  if (witness.size === 0) {
    // Nothing counted that a summary could name: only where the trail ends now.
    const [newest] = await newestEvent(db).execute();
    witness.mark = Math.max(witness.mark, newest?.id ?? 0);
    return;
  }
  const taken: { made: string; count: number }[] = [];
  let after = witness.mark;
  for (;;) {
    const page = await summariesAfter(db).execute({ after, size: SUMMARY_PAGE });
    for (const { details } of page) taken.push(...countersIn(details));
    const last = page.at(-1);
    if (!last) break;
    after = last.id;
    if (page.length < SUMMARY_PAGE) break;
  }
  witness.mark = after;
  await appendLosses(db, key, witness.settle(taken));
}

/** Summaries read a page at a time (`audit_type_idx`). */
const SUMMARY_PAGE = 500;

const summariesAfter = prepared((db) =>
  db
    .select({ id: auditEvents.id, details: auditEvents.details })
    .from(auditEvents)
    .where(
      and(eq(auditEvents.type, 'audit.repeated'), gt(auditEvents.id, sql.placeholder('after'))),
    )
    .orderBy(asc(auditEvents.id))
    .limit(sql.placeholder('size'))
    .prepare('audit_repeat_summaries_after'),
);

/** The rows a summary took, as its details name them (none in one the witness appended). */
function countersIn(details: string | null): { made: string; count: number }[] {
  const parsed: unknown = details === null ? null : JSON.parse(details);
  const counters = (parsed as { counters?: unknown } | null)?.counters;
  if (!Array.isArray(counters)) return [];
  return counters.filter(
    (c): c is { made: string; count: number } =>
      typeof c?.made === 'string' && typeof c?.count === 'number',
  );
}

/**
 * Marks where the trail ends now, for this process's witness (`RepeatWitness.mark`): every
 * summary of a minute it will count in comes after. The server does it as it starts.
 */
export async function startWitnessing(db: PgDb): Promise<void> {
  const witness = repeatWitnessOf(db, WITNESS);
  const [newest] = await newestEvent(db).execute();
  witness.mark ??= newest?.id ?? 0;
}

/** Where the trail ends now (`startWitnessing`). */
const newestEvent = prepared((db) =>
  db
    .select({ id: sql<number>`coalesce(max(${auditEvents.id}), 0)`.mapWith(Number) })
    .from(auditEvents)
    .prepare('audit_newest_event'),
);

/**
 * Tells `report` of every count the counters lost before their summary (set back or deleted in
 * the database), for the server's log: a place the database cannot reach.
 */
export function watchRepeatLosses(db: PgDb, report: (loss: LostCount) => void): void {
  repeatWitnessOf(db, WITNESS).report = report;
}
