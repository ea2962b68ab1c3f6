import { asc } from 'drizzle-orm';
import {
  type AnchoredHead,
  type AnchorMove,
  type AnchorStorage,
  anchorMove,
  fileAnchorStorage,
} from '../../lib/audit-anchor.ts';
import { verifyCheckpoints } from '../../lib/audit-verification.ts';
import { auditHashOf, auditHead, POSTGRES_CHAIN_HISTORY } from './audit-chain.ts';
import { type PgDb, transaction } from './client.ts';
import { auditCheckpoints } from './schema.ts';

/**
 * The audit chain's head kept outside the database, when several processes share one
 * PostgreSQL and nothing may be shared through a file system (SPEC §8b, §11).
 *
 * The threat is someone who can write to the database but does not hold the chain's key: they
 * cannot forge an event or a checkpoint, but they can delete the newest events and rewind the
 * `audit_head` row, and what remains still links up. Only a record of the head kept where the
 * database cannot reach shows that.
 *
 * **Each process is its own witness.** Every process keeps the newest head it has seen, in
 * memory and, when it has a `DATA_DIR`, in `audit-head.postgres.json` there (not shared state,
 * only this process's memory across restarts: read once, at start). It advances from the database every second like the SQLite anchor, by the same
 * rule (lib/audit-anchor.ts `anchorMove`): only forward along the chain, never back. A cut-back
 * is then reported by every process that saw the lost events: its advance answers `rewritten`
 * (the server logs it) and verification through it reports `truncated`. Nothing needs to be
 * agreed between processes, so there is nothing to attack in between.
 *
 * Rejected: an anchor the server signs with its key and keeps in the database. A signature
 * stops a forged anchor, not a replayed one: whoever can cut the trail back can read the
 * signed anchor today and put it back beside the cut trail tomorrow, and it verifies. Anything
 * the database holds can be returned, as a whole, to an earlier state that was valid; so can a
 * table of every process's signed sightings. A witness outside the database is the point.
 *
 * What remains, as with SQLite: up to a second of the newest events; a process that starts
 * with neither a file nor memory of the trail believes what it finds first (its verification
 * says `missing` until its first advance). Shipping each advance to a log sink outside every
 * host is the operator's next step.
 *
 * Pruning past the anchored event is no cut-back, but only a checkpoint that verifies under the
 * key counts as one here: a checkpoint forged by someone without the key must not move the
 * anchor past the events they deleted.
 */
export interface PostgresAuditAnchor {
  read(): AnchoredHead | null;
  /** Moves to the newest event if the trail still holds the anchored one (or pruned past it). */
  advance(db: PgDb): Promise<AnchorMove>;
}

/** This process's own file under its DATA_DIR; not the SQLite anchor's, which is another trail. */
export function postgresAnchorFile(dataDir: string): AnchorStorage {
  return fileAnchorStorage(dataDir, 'audit-head.postgres.json');
}

export function postgresAuditAnchor(storage: AnchorStorage, key: Buffer): PostgresAuditAnchor {
  let running: Promise<AnchorMove> | null = null;
  // Read from its file once, at start; from then on this process's own memory. Processes on
  // one host sharing a DATA_DIR write the same file, one of them a little behind another: read
  // back at every advance, it moved this process's head back by a few events, and cutting those
  // went unseen (found by a review).
  let remembered = storage.read();
  async function advanceOnce(db: PgDb): Promise<AnchorMove> {
    const anchored = remembered;
    // One snapshot: a prune between reading the checkpoints and the anchored event (its
    // checkpoint committed, then the event deleted) must not look like a cut-back.
    const { head, trail } = await transaction(
      db,
      async (tx) => {
        const newest = await auditHead(tx);
        if (!anchored) return { head: newest, trail: { stillThere: false, prunedPast: false } };
        const stillThere = (await auditHashOf(tx, anchored.id)) === anchored.hash;
        // The checkpoints matter only when the anchored event is gone: every second this runs,
        // so the common case reads one row, not every checkpoint retention ever wrote.
        if (stillThere) return { head: newest, trail: { stillThere, prunedPast: false } };
        const checkpoints = await tx
          .select()
          .from(auditCheckpoints)
          .orderBy(asc(auditCheckpoints.id));
        const { trusted } = verifyCheckpoints(checkpoints, key, POSTGRES_CHAIN_HISTORY);
        const prunedPast = trusted !== null && trusted.prunedThroughId >= anchored.id;
        return { head: newest, trail: { stillThere, prunedPast } };
      },
      { isolation: 'repeatable read', readOnly: true },
    );
    const move = anchorMove(anchored, head, trail);
    if (move === 'advanced' && head) {
      remembered = head;
      storage.write(head);
    }
    return move;
  }
  return {
    read: () => remembered,
    // A slow database must not pile advances up: one at a time, and a call during one joins it.
    advance(db) {
      running ??= advanceOnce(db).finally(() => {
        running = null;
      });
      return running;
    },
  };
}
