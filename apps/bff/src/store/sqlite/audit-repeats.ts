import { lt, sql } from 'drizzle-orm';
import {
  minuteOf,
  type RepeatableEntry,
  repeatRow,
  repeatSummary,
  summaryMetaOf,
} from '../../lib/audit-repeat-rows.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { recordAudit } from './audit.ts';
import type { Db, Queryable } from './client.ts';
import { auditRepeats } from './schema/audit-events.ts';

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
  db.transaction((tx) => {
    flushRepeatsBefore(tx, row.minute);
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
  });
}

/**
 * Writes the summary of every minute before `minute` that had repeats, and forgets those
 * minutes. Runs before each repeatable record, and once a minute from the server.
 */
export function flushRepeatsBefore(tx: Queryable, minute: number): void {
  const closed = tx.select().from(auditRepeats).where(lt(auditRepeats.minute, minute)).all();
  if (closed.length === 0) return;
  for (const row of closed) {
    const summary = repeatSummary(row);
    if (summary) recordAudit(tx, summary, summaryMetaOf(row));
  }
  tx.delete(auditRepeats).where(lt(auditRepeats.minute, minute)).run();
}

/** The server's once-a-minute flush, so the last minute of a flood is summarised too. */
export function flushRepeats(db: Db, now: number): void {
  db.transaction((tx) => flushRepeatsBefore(tx, minuteOf(now)));
}
