import type { AuditVerification } from '@onbehalf/contracts/audit';
import { desc, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { auditCheckpoints, auditEvents } from '../db/schema/audit-events.ts';
import { chainPayload, GENESIS_HASH } from './audit.ts';
import { sha256 } from './tokens.ts';

const BATCH = 5_000;

/**
 * Recomputes every event's hash from its content and its predecessor's hash. The first event
 * whose stored hash or link does not match is where someone edited, inserted or deleted.
 */
export function verifyAuditChain(db: Db): AuditVerification {
  const checkpoint = db
    .select()
    .from(auditCheckpoints)
    .orderBy(desc(auditCheckpoints.id))
    .limit(1)
    .get();
  let expectedPrev = checkpoint?.lastHash ?? GENESIS_HASH;
  let checked = 0;
  let afterId = checkpoint?.prunedThroughId ?? 0;
  for (;;) {
    // Raw rows: the hash covers the stored text, not what the ORM would make of it.
    const rows = db.all<Record<string, unknown>>(
      sql`SELECT * FROM audit_events WHERE id > ${afterId} ORDER BY id LIMIT ${BATCH}`,
    );
    if (rows.length === 0) break;
    for (const raw of rows) {
      const row = {
        at: raw.at as number,
        type: raw.type as typeof auditEvents.$inferSelect.type,
        actorUserId: raw.actor_user_id as number | null,
        actorKind: raw.actor_kind as typeof auditEvents.$inferSelect.actorKind,
        subjectUserId: raw.subject_user_id as number | null,
        organizationId: raw.organization_id as number | null,
        sessionId: raw.session_id as string | null,
        impersonationId: raw.impersonation_id as string | null,
        ip: raw.ip as string | null,
        userAgent: raw.user_agent as string | null,
        requestId: raw.request_id as string | null,
        reason: raw.reason as string | null,
        details:
          raw.details === null
            ? null
            : (JSON.parse(raw.details as string) as Record<string, unknown>),
      };
      const hash = sha256(`${expectedPrev}\n${chainPayload(row)}`);
      const id = raw.id as number;
      if (raw.prev_hash !== expectedPrev || raw.hash !== hash) {
        return {
          intact: false,
          checked,
          firstBrokenId: id,
          anchor: checkpoint ? 'checkpoint' : 'genesis',
        };
      }
      expectedPrev = hash;
      checked += 1;
      afterId = id;
    }
  }
  return {
    intact: true,
    checked,
    firstBrokenId: null,
    anchor: checkpoint ? 'checkpoint' : 'genesis',
  };
}

/**
 * Deletes events older than the retention period, leaving a checkpoint with the last pruned
 * hash so the chain still verifies from the first kept event. The append-only guard is lifted
 * only inside this transaction.
 */
export function pruneAuditEvents(db: Db, retentionDays: number, now: number) {
  const cutoff = now - retentionDays * 24 * 60 * 60 * 1000;
  return db.transaction((tx) => {
    const last = tx
      .select({ id: auditEvents.id, hash: auditEvents.hash })
      .from(auditEvents)
      .where(lt(auditEvents.at, cutoff))
      .orderBy(desc(auditEvents.id))
      .limit(1)
      .get();
    if (!last) return { pruned: 0, throughId: null as number | null };
    tx.run(sql.raw('DROP TRIGGER audit_events_no_delete'));
    const result = tx
      .delete(auditEvents)
      .where(lt(auditEvents.id, last.id + 1))
      .run();
    tx.run(
      sql.raw(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
               BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`),
    );
    tx.insert(auditCheckpoints)
      .values({ prunedThroughId: last.id, lastHash: last.hash, prunedAt: now, retentionDays })
      .run();
    return { pruned: result.changes, throughId: last.id };
  });
}
