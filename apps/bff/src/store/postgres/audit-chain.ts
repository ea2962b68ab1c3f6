import type { AuditVerification } from '@onbehalf/contracts/audit';
import { and, asc, count, desc, eq, gt, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import { retentionCutoff } from '../../domain/retention.ts';
import type { AnchoredHead } from '../../lib/audit-anchor.ts';
import { GENESIS_HASH, keyedHash, storedPayload } from '../../lib/audit-event.ts';
import {
  type ChainHistory,
  chainVerifier,
  checkpointPayload,
  refuseUnverified,
  VERIFY_PAGE,
  type VerifyOptions,
} from '../../lib/audit-verification.ts';
import { confirmCommandSecret } from './audit.ts';
import { type PgDb, type PgQueryable, transaction } from './client.ts';
import { auditCheckpoints, auditEvents, auditHead as auditHeadRow } from './schema.ts';

/**
 * The PostgreSQL store was keyed from its first event (ADR 020): a plain event or an unhashed
 * checkpoint there is a forgery, not history (found by a review: rewritten plain, a whole trail
 * passed where no head was kept outside the database).
 */
export const POSTGRES_CHAIN_HISTORY: ChainHistory = { legacy: false, beforeTheKey: new Set() };

/**
 * The audit chain's upkeep on PostgreSQL: the same verification, retention prune and head
 * lookups as on SQLite (store/sqlite/audit-chain.ts), with the same answers. What differs is said where
 * it does: verification reads one snapshot, and the prune serialises with appends on the
 * chain's head row instead of SQLite's single writer.
 */

/**
 * Recomputes every event's hash from what is stored and from its predecessor, from the last
 * checkpoint that verifies, listing every break (lib/audit-verification.ts). `details` is
 * text here, so the hash is checked against the very bytes stored. The events are read in id
 * order a page at a time behind a keyset cursor (`id > last seen`), never the whole trail at
 * once; between pages the event loop is free while the next one is fetched.
 *
 * The whole walk reads one snapshot (a read-only REPEATABLE READ transaction on one pooled
 * connection): a prune running elsewhere meanwhile (its checkpoint first, then the deletes)
 * cannot make the walk start from the old checkpoint and then find its first events gone,
 * which would be reported as a break that is not there. The price is one connection held for
 * the walk, and a snapshot that holds back vacuum for as long; verification is an operator's
 * occasional act, not a request path.
 */
export async function verifyAuditChain(
  db: PgDb,
  key: Buffer,
  anchored: AnchoredHead | null,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const page = options.page ?? VERIFY_PAGE;
  const throughId = options.throughId ?? Number.MAX_SAFE_INTEGER;
  return transaction(
    db,
    async (tx) => {
      const checkpoints = await tx
        .select()
        .from(auditCheckpoints)
        .orderBy(asc(auditCheckpoints.id));
      const chain = chainVerifier(
        key,
        checkpoints,
        anchored,
        POSTGRES_CHAIN_HISTORY,
        options.onBreak,
      );
      for (const stretch of chain.stretches(throughId)) {
        let afterId = stretch.after;
        for (;;) {
          const rows = await tx
            .select()
            .from(auditEvents)
            .where(and(gt(auditEvents.id, afterId), lte(auditEvents.id, stretch.through)))
            .orderBy(asc(auditEvents.id))
            .limit(page);
          if (rows.length === 0) break;
          for (const { id, prevHash, hash, keyed, ...stored } of rows) {
            stretch.add({ id, stored, prevHash, hash, keyed });
            afterId = id;
          }
        }
      }
      const { beyond } = chain;
      const outside = sql`${auditEvents.id} <= ${beyond.atOrBelow} OR ${auditEvents.id} > ${beyond.above}`;
      const [counted] = await tx.select({ total: count() }).from(auditEvents).where(outside);
      const total = counted?.total ?? 0;
      if (total > 0) {
        // As text: the ids are past what the column's number mode reads exactly.
        const rows = await tx
          .select({ id: sql<string>`${auditEvents.id}::text` })
          .from(auditEvents)
          .where(outside)
          .orderBy(asc(auditEvents.id))
          .limit(beyond.listed);
        beyond.add(
          rows.map((row) => Number(row.id)),
          total,
        );
      }
      return chain.result();
    },
    { isolation: 'repeatable read', readOnly: true },
  );
}

/**
 * Deletes events older than the retention period, leaving a keyed, chained checkpoint with the
 * last pruned hash so the chain still verifies from the first kept one.
 *
 * The checkpoint comes first, in a transaction that locks the chain's head row as every append
 * does: prunes from several processes write their checkpoints one after the other, each
 * chained to the one before (two written side by side would share a predecessor, and the
 * second would verify as forged), and the last event to prune is chosen while no append is
 * half-way. Then the events go in small batches, each its own short transaction that lifts the
 * append-only guard for itself alone (`SET LOCAL onbehalf.audit_prune = 'on'`), with a pause
 * after it. The batches do not lock the head: they delete only events at or below an id a
 * committed checkpoint already covers, which no append touches, so appends never wait for
 * them.
 */
export async function pruneAuditEvents(
  db: PgDb,
  key: Buffer,
  retentionDays: number,
  now: number,
  options: { batch?: number; pauseMs?: number } = {},
): Promise<{ pruned: number; throughId: number | null }> {
  const batch = options.batch ?? 500;
  const cutoff = retentionCutoff(now, retentionDays);
  const [seen] = await db
    .select({ id: auditCheckpoints.id })
    .from(auditCheckpoints)
    .orderBy(desc(auditCheckpoints.id))
    .limit(1);
  // Only the oldest events, up to the first one within the retention: an event dated back
  // (a clock wrong at boot, or a hand in the database) never takes newer ones with it.
  const [firstKept] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(gte(auditEvents.at, cutoff))
    .orderBy(asc(auditEvents.id))
    .limit(1);
  const [candidate] = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(lt(auditEvents.at, cutoff), firstKept ? lt(auditEvents.id, firstKept.id) : undefined),
    )
    .orderBy(desc(auditEvents.id))
    .limit(1);
  if (!candidate) return { pruned: 0, throughId: null };
  // What is signed away must be what was written: their dates are in what the key covers.
  refuseUnverified(await verifyAuditChain(db, key, null, { throughId: candidate.id }));
  const last = await transaction(db, async (tx) => {
    // A command's prune is refused here, before it deletes anything, if the database's secret
    // is not its own (audit.ts).
    await confirmCommandSecret(tx, key);
    await tx.select().from(auditHeadRow).where(eq(auditHeadRow.id, 1)).for('update');
    const [newestOld] = await tx
      .select({ id: auditEvents.id, hash: auditEvents.hash })
      .from(auditEvents)
      .where(eq(auditEvents.id, candidate.id));
    if (!newestOld) return null;
    const [previous] = await tx
      .select({ id: auditCheckpoints.id, hash: auditCheckpoints.hash })
      .from(auditCheckpoints)
      .orderBy(desc(auditCheckpoints.id))
      .limit(1);
    // Another prune checkpointed while this one chose and verified (two run at once): it
    // stands, and this one does nothing. Its deletions may be taking events this one would
    // chain its checkpoint past, which would read as a break no one made (a review).
    if ((previous?.id ?? 0) !== (seen?.id ?? 0)) return null;
    const prevHash = previous?.hash ?? GENESIS_HASH;
    const values = {
      prunedThroughId: newestOld.id,
      lastHash: newestOld.hash,
      prunedAt: now,
      retentionDays,
    };
    const hash = keyedHash(key, prevHash, checkpointPayload(values));
    await tx.insert(auditCheckpoints).values({ ...values, prevHash, hash });
    return newestOld;
  });
  if (!last) return { pruned: 0, throughId: null };
  let pruned = 0;
  for (;;) {
    const deleted = await transaction(db, async (tx) => {
      await tx.execute(sql`SET LOCAL onbehalf.audit_prune = 'on'`);
      const oldest = tx
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(lte(auditEvents.id, last.id))
        .orderBy(asc(auditEvents.id))
        .limit(batch);
      const result = await tx.delete(auditEvents).where(inArray(auditEvents.id, oldest));
      return result.rowCount ?? 0;
    });
    pruned += deleted;
    if (deleted < batch) break;
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 5));
  }
  return { pruned, throughId: last.id };
}

/**
 * The newest event, for the head kept outside the database; null when there is none (a new
 * trail, or every event pruned), as on SQLite. It is read from the trail itself, not from the
 * `audit_head` row appends link to: that row is the database's own word, which whoever could
 * cut the trail back could rewind as well.
 */
export async function auditHead(db: PgQueryable): Promise<AnchoredHead | null> {
  const [newest] = await db
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  return newest ?? null;
}

/** The stored hash of one event, or null when it is gone. */
export async function auditHashOf(db: PgQueryable, id: number): Promise<string | null> {
  const [event] = await db
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .where(eq(auditEvents.id, id));
  return event?.hash ?? null;
}

/**
 * Whether the trail was keyed with `auditKey`: asked of its first and its newest event (either
 * will do, since one may be an edit) or, a trail pruned whole, of its newest checkpoint; null
 * when it holds nothing to ask. For a database from before it recorded its secret.
 */
export async function trailKeyedWith(tx: PgQueryable, auditKey: Buffer): Promise<boolean | null> {
  const ends = [
    ...(await tx.select().from(auditEvents).orderBy(asc(auditEvents.id)).limit(1)),
    ...(await tx.select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1)),
  ];
  if (ends.length > 0) {
    return ends.some(
      ({ id: _id, prevHash, hash, keyed: _keyed, ...stored }) =>
        keyedHash(auditKey, prevHash, storedPayload(stored)) === hash,
    );
  }
  const [checkpoint] = await tx
    .select()
    .from(auditCheckpoints)
    .orderBy(desc(auditCheckpoints.id))
    .limit(1);
  if (!checkpoint?.hash || !checkpoint.prevHash) return null;
  return (
    keyedHash(auditKey, checkpoint.prevHash, checkpointPayload(checkpoint)) === checkpoint.hash
  );
}
