import type { AuditVerification } from '@onbehalf/contracts/audit';
import Database from 'better-sqlite3';
import { and, asc, desc, eq, gt, gte, lt, lte, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { retentionCutoff } from '../../domain/retention.ts';
import type { AnchoredHead } from '../../lib/audit-anchor.ts';
import { type AuditRow, GENESIS_HASH, keyedHash } from '../../lib/audit-event.ts';
import {
  type ChainHistory,
  chainVerifier,
  checkpointPayload,
  refuseUnverified,
  VERIFY_PAGE,
  type VerifyOptions,
} from '../../lib/audit-verification.ts';
import { confirmCommandSecret } from './audit.ts';
import type { Db, Queryable } from './client.ts';
import { auditCheckpoints, auditEvents } from './schema/audit-events.ts';

/**
 * An event as stored, from a raw row: the hash covers the stored text, not what the ORM would
 * make of it.
 */
export function storedRowOf(raw: Record<string, unknown>): AuditRow {
  return {
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
}

/**
 * What this store may hold from before the key (lib/audit-verification.ts): which unhashed
 * checkpoints are from before it. One is only where everything says so (a review planted one
 * over a deleted trail, and fake plain events above it, and it verified): no keyed event at or
 * below it (they came after the key); the first event above it, if any, plain (a prune of the
 * first version left plain events after it, and the first keyed one follows those); and below
 * the head kept outside the database (heads are written since the key). A store whose first
 * version pruned every event, keyed ones following at once, reports that checkpoint (ADR 017).
 * Two index lookups per unhashed checkpoint; a trail begun keyed has none.
 */
export function sqliteChainHistory(
  db: Queryable,
  checkpoints: readonly { id: number; prunedThroughId: number; hash: string | null }[],
  anchored: AnchoredHead | null,
): ChainHistory {
  const beforeTheKey = new Set<number>();
  for (const checkpoint of checkpoints) {
    if (checkpoint.hash !== null) continue;
    const through = checkpoint.prunedThroughId;
    if (anchored !== null && through >= anchored.id) continue;
    const keyedBelow = db
      .select({ id: auditEvents.id })
      .from(auditEvents)
      .where(and(eq(auditEvents.keyed, true), lte(auditEvents.id, through)))
      .limit(1)
      .get();
    const above = db
      .select({ keyed: auditEvents.keyed })
      .from(auditEvents)
      .where(gt(auditEvents.id, through))
      .orderBy(asc(auditEvents.id))
      .limit(1)
      .get();
    if (!keyedBelow && !above?.keyed) beforeTheKey.add(checkpoint.id);
  }
  return { legacy: true, beforeTheKey };
}

/** Between pages, the event loop answers other requests. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One view of the trail for a whole verification, as PostgreSQL's runs in one snapshot: on a
 * database file, a read-only connection of its own holding one read transaction across the
 * pages (in WAL mode, a snapshot that no writer waits for). On the request connection, a prune
 * deleting in batches meanwhile (`pnpm audit:prune` in another process, say) showed as gaps,
 * reported as breaks. In memory (tests), the connection itself: nothing else writes there.
 */
async function snapshotOf(db: Db): Promise<{ db: Db; release(): void }> {
  // drizzle's handle on the driver's connection (`$client`, public), which our `Db` type omits.
  const client = (db as Partial<{ $client: Database.Database }>).$client;
  if (!client || client.memory) return { db, release() {} };
  // A commit group open on the request connection holds writes this process may already have
  // counted on (the head kept outside the database is read there): they commit at the end of
  // this turn of the event loop, and the view is taken after them.
  for (let turns = 0; client.inTransaction && turns < 100; turns++) await yieldToEventLoop();
  const reader = new Database(client.name, { readonly: true, fileMustExist: true });
  reader.pragma('busy_timeout = 5000');
  reader.exec('BEGIN');
  // The view is the one at this first read, not at the first page's.
  reader.prepare('SELECT count(*) FROM audit_checkpoints').get();
  return {
    db: drizzle(reader),
    release() {
      reader.exec('COMMIT');
      reader.close();
    },
  };
}

/**
 * Recomputes every event's hash from what is stored and from its predecessor, from the last
 * checkpoint that verifies, listing every break (lib/audit-verification.ts). The head kept
 * outside the database tells whether the newest events were deleted. Yields between pages.
 */
export async function verifyAuditChain(
  db: Db,
  key: Buffer,
  anchored: AnchoredHead | null,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const snapshot = await snapshotOf(db);
  try {
    return await verifyIn(snapshot.db, key, anchored, options);
  } finally {
    snapshot.release();
  }
}

async function verifyIn(
  db: Db,
  key: Buffer,
  anchored: AnchoredHead | null,
  options: VerifyOptions,
): Promise<AuditVerification> {
  const page = options.page ?? VERIFY_PAGE;
  const throughId = options.throughId ?? Number.MAX_SAFE_INTEGER;
  const checkpoints = db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.id)).all();
  const chain = chainVerifier(
    key,
    checkpoints,
    anchored,
    sqliteChainHistory(db, checkpoints, anchored),
    options.onBreak,
  );
  for (const stretch of chain.stretches(throughId)) {
    let afterId = stretch.after;
    for (;;) {
      // Raw rows: the hash covers the stored text, not what the ORM would make of it.
      const rows = db.all<Record<string, unknown>>(
        sql`SELECT * FROM audit_events WHERE id > ${afterId} AND id <= ${stretch.through}
          ORDER BY id LIMIT ${page}`,
      );
      if (rows.length === 0) break;
      for (const raw of rows) {
        afterId = raw.id as number;
        stretch.add({
          id: afterId,
          stored: storedRowOf(raw),
          prevHash: raw.prev_hash as string,
          hash: raw.hash as string,
          keyed: raw.keyed === 1,
        });
      }
      await yieldToEventLoop();
    }
  }
  const { beyond } = chain;
  // Two ranges of the rowid each, not one OR: both are a lookup in the table's own b-tree.
  const { total } = db.get<{ total: number }>(
    sql`SELECT (SELECT count(*) FROM audit_events WHERE id <= ${beyond.atOrBelow})
      + (SELECT count(*) FROM audit_events WHERE id > ${beyond.above}) AS total`,
  ) ?? { total: 0 };
  if (total > 0) {
    const rows = db.all<{ id: string }>(
      sql`SELECT id FROM (
          SELECT CAST(id AS TEXT) AS id, id AS n FROM audit_events WHERE id <= ${beyond.atOrBelow}
          UNION ALL
          SELECT CAST(id AS TEXT), id FROM audit_events WHERE id > ${beyond.above}
        ) ORDER BY n LIMIT ${beyond.listed}`,
    );
    beyond.add(
      rows.map((row) => Number(row.id)),
      total,
    );
  }
  return chain.result();
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
  const cutoff = retentionCutoff(now, retentionDays);
  const seen = newestCheckpointId(db);
  // Only the oldest events, up to the first one within the retention: an event dated back
  // (a clock wrong at boot, or a hand in the database) never takes newer ones with it.
  const firstKept = db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(gte(auditEvents.at, cutoff))
    .orderBy(asc(auditEvents.id))
    .limit(1)
    .get();
  const last = db
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .where(
      and(lt(auditEvents.at, cutoff), firstKept ? lt(auditEvents.id, firstKept.id) : undefined),
    )
    .orderBy(desc(auditEvents.id))
    .limit(1)
    .get();
  if (!last) return { pruned: 0, throughId: null as number | null };
  // What is signed away must be what was written: their dates are in what the key covers.
  refuseUnverified(await verifyAuditChain(db, key, null, { throughId: last.id }));
  const checkpointed = db.transaction((tx) => {
    // A command's prune is refused here, before it deletes anything, if the database's secret
    // is not its own (audit.ts).
    confirmCommandSecret(tx, now);
    const previous = tx
      .select({ id: auditCheckpoints.id, hash: auditCheckpoints.hash })
      .from(auditCheckpoints)
      .orderBy(desc(auditCheckpoints.id))
      .limit(1)
      .get();
    // Another prune checkpointed while this one chose and verified (two run at once): it
    // stands, and this one does nothing. Its deletions may be taking events this one would
    // chain its checkpoint past, which would read as a break no one made (a review).
    if ((previous?.id ?? 0) !== seen) return false;
    const prevHash = previous?.hash ?? GENESIS_HASH;
    const values = { prunedThroughId: last.id, lastHash: last.hash, prunedAt: now, retentionDays };
    const hash = keyedHash(key, prevHash, checkpointPayload(values));
    tx.insert(auditCheckpoints)
      .values({ ...values, prevHash, hash })
      .run();
    return true;
  });
  if (!checkpointed) return { pruned: 0, throughId: null as number | null };
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

/** The newest checkpoint's id; 0 before the first prune. */
function newestCheckpointId(db: Queryable): number {
  return (
    db
      .select({ id: auditCheckpoints.id })
      .from(auditCheckpoints)
      .orderBy(desc(auditCheckpoints.id))
      .limit(1)
      .get()?.id ?? 0
  );
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
