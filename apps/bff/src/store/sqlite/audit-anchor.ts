import { asc } from 'drizzle-orm';
import {
  type AnchoredHead,
  type AnchorMove,
  type AnchorStorage,
  anchorMove,
  fileAnchorStorage,
  memoryAnchorStorage,
} from '../../lib/audit-anchor.ts';
import { verifyCheckpoints } from '../../lib/audit-verification.ts';
import { auditHashOf, auditHead, sqliteChainHistory } from './audit-chain.ts';
import type { Queryable } from './client.ts';
import { auditCheckpoints } from './schema/audit-events.ts';

/**
 * The audit chain's head, kept where the database cannot reach it, so deleting the newest
 * events (which a chain alone cannot show: what remains still links up) is detected. It only
 * ever moves forward along the chain: if the trail it last saw was cut back or rewritten, it
 * keeps what it had and says so, and verification reports the trail as truncated. The SQLite
 * side; PostgreSQL's is store/postgres/audit-anchor.ts, under the same rule (`anchorMove`).
 */
export interface AuditAnchor {
  read(): AnchoredHead | null;
  /** Moves to the newest event if the trail still holds the anchored one (or pruned past it). */
  advance(db: Queryable): AnchorMove;
}

function advanceWith(storage: AnchorStorage, key: Buffer): AuditAnchor['advance'] {
  return (db) => {
    const head = auditHead(db);
    const anchored = storage.read();
    const trail = { stillThere: false, prunedPast: false };
    if (anchored) {
      trail.stillThere = auditHashOf(db, anchored.id) === anchored.hash;
      // Only when the anchored event is gone do the checkpoints matter, and only one that
      // verifies (chained, keyed) says it was pruned: a planted one must not make a cut-back
      // look like retention. Every second this runs, so the common case reads one row.
      if (!trail.stillThere) {
        const checkpoints = db
          .select()
          .from(auditCheckpoints)
          .orderBy(asc(auditCheckpoints.id))
          .all();
        const { trusted } = verifyCheckpoints(
          checkpoints,
          key,
          sqliteChainHistory(db, checkpoints, anchored),
        );
        // Keyed: one from before the key is older than any head (ADR 017).
        trail.prunedPast = trusted?.hash != null && trusted.prunedThroughId >= anchored.id;
      }
    }
    const move = anchorMove(anchored, head, trail);
    if (move === 'advanced' && head) storage.write(head);
    return move;
  };
}

/** The anchor as a file under DATA_DIR, owner-only, replaced atomically. */
export function fileAuditAnchor(dataDir: string, key: Buffer): AuditAnchor {
  const storage = fileAnchorStorage(dataDir);
  return { read: storage.read, advance: advanceWith(storage, key) };
}

/** The anchor in memory, for tests and for tools that only verify. */
export function memoryAuditAnchor(key: Buffer): AuditAnchor {
  const storage = memoryAnchorStorage();
  return { read: storage.read, advance: advanceWith(storage, key) };
}
