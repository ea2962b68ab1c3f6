import { lt, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../store/sqlite/client.ts';
import { auditRepeats } from '../store/sqlite/schema/audit-events.ts';
import { recordAudit } from './audit.ts';
import type { AuditEntry } from './audit-event.ts';
import { toIso } from './clock.ts';
import type { RequestMeta } from './request-meta.ts';

const MINUTE = 60_000;
const summaryMeta: RequestMeta = { ip: null, userAgent: null, requestId: null };

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
  entry: AuditEntry & { actor: NonNullable<AuditEntry['actor']> },
  /** What repeats: the rule that refused, or what was read. */
  rule: string,
  meta: RequestMeta,
): void {
  const minute = Math.floor(entry.at / MINUTE);
  const who = entry.actor.userId ?? `address:${meta.ip ?? '-'}`;
  const key = `${entry.type}|${who}|${rule}`;
  db.transaction((tx) => {
    flushRepeatsBefore(tx, minute);
    const counted = tx
      .insert(auditRepeats)
      .values({
        key,
        minute,
        type: entry.type,
        actorUserId: entry.actor.userId,
        actorKind: entry.actor.kind,
        organizationId: entry.organizationId ?? null,
        rule,
        count: 1,
        lastAt: entry.at,
      })
      .onConflictDoUpdate({
        target: [auditRepeats.key, auditRepeats.minute],
        set: { count: sql`${auditRepeats.count} + 1`, lastAt: entry.at },
      })
      .returning({ count: auditRepeats.count })
      .get();
    if (counted.count === 1) {
      recordAudit(tx, entry, meta);
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
    if (row.count < 2) continue;
    recordAudit(
      tx,
      {
        type: 'audit.repeated',
        at: row.lastAt,
        actor: { userId: row.actorUserId, kind: row.actorKind ?? 'anonymous' },
        organizationId: row.organizationId,
        details: {
          type: row.type,
          rule: row.rule,
          repeats: row.count - 1,
          minute: toIso(row.minute * MINUTE),
        },
      },
      summaryMeta,
    );
  }
  tx.delete(auditRepeats).where(lt(auditRepeats.minute, minute)).run();
}

/** The server's once-a-minute flush, so the last minute of a flood is summarised too. */
export function flushRepeats(db: Db, now: number): void {
  db.transaction((tx) => flushRepeatsBefore(tx, Math.floor(now / MINUTE)));
}
