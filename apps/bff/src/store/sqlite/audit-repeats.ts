import { lt, sql } from 'drizzle-orm';
import {
  minuteOf,
  type RepeatableEntry,
  repeatRow,
  repeatSummary,
  summaryMetaOf,
} from '../../lib/audit-repeat-rows.ts';
import { type LostCount, lostCountEntry, repeatWitnessOf } from '../../lib/repeat-witness.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { recordAudit } from './audit.ts';
import type { Db, Queryable } from './client.ts';
import { auditRepeats } from './schema/audit-events.ts';

/**
 * The process's memory of what it counted (lib/repeat-witness.ts): the server is the one
 * process that takes counters, so a counter row gone before its summary was deleted.
 */
const WITNESS = { oneWriter: true };

/**
 * The handles of commands (`pnpm cli …`) that may run beside the server: they count, but leave
 * every closed minute for the server to summarise, so that the server's witness is the one
 * process that takes counters, and a counter gone is one deleted.
 */
const commands = new WeakSet<Db>();

/** Marks `db` as a command's: its counts never summarise a minute (`commands`). */
export function leaveSummariesToTheServer(db: Db): void {
  commands.add(db);
}

/**
 * Records a refusal or a read that may repeat (a refused impersonation, a failed exchange, a
 * read of the audit trail or the outbox). The first of its kind by the same actor for the same
 * rule in a minute is written at once, with everything it carries; the repeats in that minute
 * are only counted, and one `audit.repeated` event gives their number when the minute is over.
 * A flood of failures therefore writes two events a minute per actor and rule, not thousands,
 * and nothing goes unrecorded (SPEC §8b).
 */
export function recordRepeatable(
  db: Db,
  entry: RepeatableEntry,
  /** What repeats: the rule that refused, or what was read. */
  rule: string,
  meta: RequestMeta,
  /** Written with the first of the minute only, in its transaction (a failed attempt's row). */
  withFirst?: (tx: Queryable) => void,
): void {
  const row = repeatRow(entry, rule, meta);
  const command = commands.has(db);
  const { taken, stored } = db.transaction((tx) => {
    const taken = command ? null : flushRepeatsBefore(tx, row.minute);
    const counted = tx
      .insert(auditRepeats)
      .values(row)
      .onConflictDoUpdate({
        target: [auditRepeats.key, auditRepeats.minute],
        set: { count: sql`${auditRepeats.count} + 1`, lastAt: entry.at },
      })
      .returning({ count: auditRepeats.count })
      .get();
    if (counted.count === 1) {
      recordAudit(tx, entry, meta);
      withFirst?.(tx);
    }
    return { taken, stored: counted.count };
  });
  if (command) return;
  // Committed: the witness learns it, and what the rows lost meanwhile is appended.
  const witness = repeatWitnessOf(db, WITNESS);
  appendLosses(db, [
    ...(taken ? witness.flushed(row.minute, taken) : []),
    witness.counted(row, { stripe: 0, stored }, stored === 1),
  ]);
}

/**
 * Writes the summary of every minute before `minute` that had repeats, forgets those minutes,
 * and gives the rows it took, for the witness to check against what it counted into them.
 * Runs before each repeatable record, and once a minute from the server.
 */
function flushRepeatsBefore(tx: Queryable, minute: number) {
  const closed = tx.select().from(auditRepeats).where(lt(auditRepeats.minute, minute)).all();
  for (const row of closed) {
    const summary = repeatSummary(row);
    if (summary) recordAudit(tx, summary, summaryMetaOf(row));
  }
  if (closed.length > 0) tx.delete(auditRepeats).where(lt(auditRepeats.minute, minute)).run();
  return closed.map((row) => ({ ...row, stripe: 0 }));
}

/**
 * Appends the counts the counter rows lost (set back or deleted before their summary), as the
 * witness saw them (lib/repeat-witness.ts): rare, so in a transaction of its own.
 */
function appendLosses(db: Db, losses: readonly (LostCount | null)[]): void {
  const found = losses.filter((loss) => loss !== null);
  if (found.length === 0) return;
  db.transaction((tx) => {
    for (const loss of found) recordAudit(tx, lostCountEntry(loss), summaryMetaOf(loss.row));
  });
}

/** The server's once-a-minute flush, so the last minute of a flood is summarised too. */
export function flushRepeats(db: Db, now: number): void {
  const minute = minuteOf(now);
  const taken = db.transaction((tx) => flushRepeatsBefore(tx, minute));
  appendLosses(db, repeatWitnessOf(db, WITNESS).flushed(minute, taken));
}

/**
 * Tells `report` of every count the counters lost before their summary (set back or deleted in
 * the database), for the server's log: a place the database cannot reach.
 */
export function watchRepeatLosses(db: Db, report: (loss: LostCount) => void): void {
  repeatWitnessOf(db, WITNESS).report = report;
}
