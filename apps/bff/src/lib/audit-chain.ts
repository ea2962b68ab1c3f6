import type { AuditBreak, AuditVerification } from '@onbehalf/contracts/audit';
import { asc, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../store/sqlite/client.ts';
import { auditCheckpoints, auditEvents } from '../store/sqlite/schema/audit-events.ts';
import type { AnchoredHead } from './audit-anchor.ts';
import {
  type AuditRow,
  GENESIS_HASH,
  keyedHash,
  legacyHash,
  legacyPayload,
  storedPayload,
} from './audit-event.ts';

const BATCH = 2_000;
/** Verification lists this many breaks at most; the count goes on. */
const MAX_LISTED = 100;

/** Between batches, the event loop answers other requests. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

type CheckpointRow = typeof auditCheckpoints.$inferSelect;

/** What a checkpoint's own hash covers. */
function checkpointPayload(c: Omit<CheckpointRow, 'id' | 'prevHash' | 'hash'>) {
  return JSON.stringify([c.prunedThroughId, c.lastHash, c.prunedAt, c.retentionDays]);
}

/**
 * The checkpoints that verify (chained from genesis, keyed), and every one that does not. A
 * forged checkpoint is reported and not believed, so it cannot hide an edit below it.
 */
function verifyCheckpoints(db: Queryable, key: Buffer) {
  const rows = db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id)).all();
  const breaks: AuditBreak[] = [];
  let trusted: CheckpointRow | null = null;
  let prev = GENESIS_HASH;
  let keyedSeen = false;
  for (const row of rows) {
    // Checkpoints from before the chain had a key carry no hash: believed only before the first keyed one.
    if (row.hash === null) {
      if (keyedSeen) breaks.push({ id: null, checkpointId: row.id, problem: 'checkpoint_forged' });
      else trusted = row;
      continue;
    }
    keyedSeen = true;
    const expected = keyedHash(key, prev, checkpointPayload(row));
    if (row.prevHash !== prev || row.hash !== expected) {
      breaks.push({ id: null, checkpointId: row.id, problem: 'checkpoint_forged' });
      continue;
    }
    trusted = row;
    prev = row.hash;
  }
  return { trusted, breaks, head: prev };
}

/**
 * Recomputes every event's hash from what is stored and from its predecessor, from the last
 * checkpoint that verifies. It lists every broken event, not only the first: after a break it
 * goes on from what is stored, so an edit further on is reported too. The head kept outside
 * the database tells whether the newest events were deleted. Yields between batches.
 */
export async function verifyAuditChain(
  db: Db,
  key: Buffer,
  anchored: AnchoredHead | null,
): Promise<AuditVerification> {
  const checkpoints = verifyCheckpoints(db, key);
  const breaks: AuditBreak[] = [...checkpoints.breaks];
  const checkpoint = checkpoints.trusted;
  let expectedPrev = checkpoint?.lastHash ?? GENESIS_HASH;
  let afterId = checkpoint?.prunedThroughId ?? 0;
  let checked = 0;
  let keyedSeen = false;
  let head: { id: number; hash: string } | null = null;
  let anchorSeen = false;
  for (;;) {
    // Raw rows: the hash covers the stored text, not what the ORM would make of it.
    const rows = db.all<Record<string, unknown>>(
      sql`SELECT * FROM audit_events WHERE id > ${afterId} ORDER BY id LIMIT ${BATCH}`,
    );
    if (rows.length === 0) break;
    for (const raw of rows) {
      const id = raw.id as number;
      const stored = {
        at: raw.at as number,
        type: raw.type as AuditRow['type'],
        actorUserId: raw.actor_user_id as number | null,
        actorKind: raw.actor_kind as AuditRow['actorKind'],
        subjectUserId: raw.subject_user_id as number | null,
        organizationId: raw.organization_id as number | null,
        sessionId: raw.session_id as string | null,
        impersonationId: raw.impersonation_id as string | null,
        ip: raw.ip as string | null,
        userAgent: raw.user_agent as string | null,
        requestId: raw.request_id as string | null,
        reason: raw.reason as string | null,
        details: raw.details as string | null,
      };
      const prevHash = raw.prev_hash as string;
      const hash = raw.hash as string;
      const keyed = raw.keyed === 1;
      let problem: AuditBreak['problem'] | null = null;
      if (keyed) {
        keyedSeen = true;
        if (hash !== keyedHash(key, prevHash, storedPayload(stored))) problem = 'edited';
      } else if (keyedSeen) {
        // Once the chain is keyed it stays keyed: a plain event after it was rewritten.
        problem = 'unkeyed';
      } else {
        const details =
          stored.details === null ? null : (JSON.parse(stored.details) as Record<string, unknown>);
        if (hash !== legacyHash(prevHash, legacyPayload({ ...stored, details }))) {
          problem = 'edited';
        }
      }
      if (!problem && prevHash !== expectedPrev) problem = 'relinked';
      if (problem && breaks.length < MAX_LISTED) breaks.push({ id, checkpointId: null, problem });
      if (anchored && id === anchored.id) {
        anchorSeen = true;
        if (hash !== anchored.hash && !problem && breaks.length < MAX_LISTED) {
          breaks.push({ id, checkpointId: null, problem: 'edited' });
        }
      }
      // Go on from what is stored, so a later, separate edit shows as well.
      expectedPrev = hash;
      head = { id, hash };
      checked += 1;
      afterId = id;
    }
    await yieldToEventLoop();
  }
  // The newest head was written outside the database: events up to it must all be here.
  const truncated = anchored !== null && !anchorSeen && (head === null || head.id < anchored.id);
  if (truncated) breaks.push({ id: anchored.id, checkpointId: null, problem: 'truncated' });
  return {
    intact: breaks.length === 0,
    checked,
    firstBrokenId: breaks.find((b) => b.id !== null)?.id ?? null,
    breaks,
    anchor: checkpoint ? 'checkpoint' : 'genesis',
    outsideAnchor: anchored === null ? 'missing' : truncated ? 'truncated' : 'matched',
  };
}

/**
 * Deletes events older than the retention period, leaving a keyed, chained checkpoint with the
 * last pruned hash so the chain still verifies from the first kept one. The checkpoint comes
 * first, then the events go in small batches, each its own short transaction with a pause
 * after it: a running server waits for the write lock a few milliseconds at a time, never for
 * the whole prune. The append-only guard is lifted only inside each batch's transaction.
 */
export async function pruneAuditEvents(
  db: Db,
  key: Buffer,
  retentionDays: number,
  now: number,
  options: { batch?: number; pauseMs?: number } = {},
) {
  const batch = options.batch ?? 500;
  const cutoff = now - retentionDays * 24 * 60 * 60 * 1000;
  const last = db
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .where(lt(auditEvents.at, cutoff))
    .orderBy(desc(auditEvents.id))
    .limit(1)
    .get();
  if (!last) return { pruned: 0, throughId: null as number | null };
  db.transaction((tx) => {
    const previous = tx
      .select({ hash: auditCheckpoints.hash })
      .from(auditCheckpoints)
      .orderBy(desc(auditCheckpoints.id))
      .limit(1)
      .get();
    const prevHash = previous?.hash ?? GENESIS_HASH;
    const values = { prunedThroughId: last.id, lastHash: last.hash, prunedAt: now, retentionDays };
    const hash = keyedHash(key, prevHash, checkpointPayload(values));
    tx.insert(auditCheckpoints)
      .values({ ...values, prevHash, hash })
      .run();
  });
  let pruned = 0;
  for (;;) {
    const deleted = db.transaction((tx) => {
      tx.run(sql.raw('DROP TRIGGER audit_events_no_delete'));
      const result = tx.run(
        sql`DELETE FROM audit_events WHERE id IN
          (SELECT id FROM audit_events WHERE id <= ${last.id} ORDER BY id LIMIT ${batch})`,
      );
      tx.run(
        sql.raw(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                 BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`),
      );
      return result.changes;
    });
    pruned += deleted;
    if (deleted < batch) break;
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 5));
  }
  return { pruned, throughId: last.id };
}

/** The newest event, for the head kept outside the database. */
export function auditHead(db: Queryable): { id: number; hash: string } | null {
  return (
    db
      .select({ id: auditEvents.id, hash: auditEvents.hash })
      .from(auditEvents)
      .orderBy(desc(auditEvents.id))
      .limit(1)
      .get() ?? null
  );
}

/** The stored hash of one event, or null when it is gone. */
export function auditHashOf(db: Queryable, id: number): string | null {
  return (
    db.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.id, id)).get()
      ?.hash ?? null
  );
}
