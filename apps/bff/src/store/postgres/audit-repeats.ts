import { and, eq, lt, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import {
  minuteOf,
  type RepeatableEntry,
  repeatRow,
  repeatSummary,
  summaryMeta,
} from '../../lib/audit-repeat-rows.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { appendAudit } from './audit.ts';
import { type PgDb, type PgTx, transaction } from './client.ts';
import { prepared } from './prepared.ts';
import { auditHead, auditRepeats } from './schema.ts';

/**
 * Repeated refusals and reads on PostgreSQL (SPEC §8b): the same functions, meaning and answers
 * as on SQLite (store/sqlite/audit-repeats.ts), with every process counting into the same rows.
 *
 * Lock order, so that counting never deadlocks with the chain: a transaction that will append
 * locks the chain head (`audit_head`) *before* it locks any counter row. Only a plain "one more
 * in this minute" locks a counter without the head, and it then waits for nothing else.
 */

/** The chain head, locked until the transaction ends (`appendAudit` takes it again, as its own). */
async function lockChainHead(tx: PgTx): Promise<void> {
  await tx.select({ id: auditHead.id }).from(auditHead).where(eq(auditHead.id, 1)).for('update');
}

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
): Promise<void> {
  const row = repeatRow(entry, rule, meta);
  // The common case, a repeat in a minute already counted with nothing older left to summarise,
  // is one statement of its own: the counter row is locked only while PostgreSQL runs it and
  // flushes, not across a round trip to this process and back (a reader paging the trail
  // counts into the same row on every page).
  const [counted] = await countRepeat(db).execute({
    key: row.key,
    minute: row.minute,
    at: entry.at,
  });
  if (counted) return;
  const lastAt = sql`GREATEST(${auditRepeats.lastAt}, ${entry.at})`;
  await transaction(db, async (tx) => {
    await flushRepeatsBefore(tx, key, row.minute);
    const [repeated] = await tx
      .update(auditRepeats)
      .set({ count: sql`${auditRepeats.count} + 1`, lastAt })
      .where(and(eq(auditRepeats.key, row.key), eq(auditRepeats.minute, row.minute)))
      .returning({ count: auditRepeats.count });
    if (repeated) return;
    // Perhaps the first in this minute, which appends: the head before the counter row.
    await lockChainHead(tx);
    const [inserted] = await tx
      .insert(auditRepeats)
      .values(row)
      .onConflictDoUpdate({
        target: [auditRepeats.key, auditRepeats.minute],
        set: { count: sql`${auditRepeats.count} + 1`, lastAt },
      })
      .returning({ count: auditRepeats.count });
    if (inserted?.count === 1) await appendAudit(tx, key, entry, meta);
  });
}

/** One more in this minute, unless this minute has no row yet or an older one awaits its summary. */
const countRepeat = prepared((db) => {
  const older = alias(auditRepeats, 'older');
  return db
    .update(auditRepeats)
    .set({
      count: sql`${auditRepeats.count} + 1`,
      lastAt: sql`GREATEST(${auditRepeats.lastAt}, ${sql.placeholder('at')}::bigint)`,
    })
    .where(
      and(
        eq(auditRepeats.key, sql.placeholder('key')),
        eq(auditRepeats.minute, sql.placeholder('minute')),
        notExists(
          db
            .select({ one: sql`1` })
            .from(older)
            .where(lt(older.minute, sql.placeholder('minute'))),
        ),
      ),
    )
    .returning({ count: auditRepeats.count })
    .prepare('audit_repeat_count');
});

/**
 * Writes the summary of every minute before `minute` that had repeats, and forgets those
 * minutes. Taking the counters is the delete itself, so when several processes flush at once
 * each closed minute is summarised once. Summaries are appended in minute order.
 */
export async function flushRepeatsBefore(tx: PgTx, key: Buffer, minute: number): Promise<void> {
  const [pending] = await tx
    .select({ minute: auditRepeats.minute })
    .from(auditRepeats)
    .where(lt(auditRepeats.minute, minute))
    .limit(1);
  if (!pending) return;
  await lockChainHead(tx);
  const closed = await tx.delete(auditRepeats).where(lt(auditRepeats.minute, minute)).returning();
  closed.sort((a, b) => a.minute - b.minute || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const row of closed) {
    const summary = repeatSummary(row);
    if (summary) await appendAudit(tx, key, summary, summaryMeta);
  }
}

/** The server's once-a-minute flush, so the last minute of a flood is summarised too. */
export async function flushRepeats(db: PgDb, key: Buffer, now: number): Promise<void> {
  await transaction(db, (tx) => flushRepeatsBefore(tx, key, minuteOf(now)));
}
