import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { desc, gte } from 'drizzle-orm';
import type { Queryable } from '../store/sqlite/client.ts';
import { auditCheckpoints } from '../store/sqlite/schema/audit-events.ts';
import { auditHashOf, auditHead } from './audit-chain.ts';

/** The newest event of the trail as last seen, kept outside the database. */
export interface AnchoredHead {
  id: number;
  hash: string;
}

/**
 * The audit chain's head, kept where the database cannot reach it, so deleting the newest
 * events (which a chain alone cannot show: what remains still links up) is detected. It only
 * ever moves forward along the chain: if the trail it last saw was cut back or rewritten, it
 * keeps what it had and says so, and verification reports the trail as truncated.
 */
export interface AuditAnchor {
  read(): AnchoredHead | null;
  /** Moves to the newest event if the trail still holds the anchored one (or pruned past it). */
  advance(db: Queryable): AnchorMove;
}

/** What an advance did: moved to the newest event, had nothing newer, or found the trail cut back. */
export type AnchorMove = 'advanced' | 'unchanged' | 'rewritten';

/**
 * The anchor's one rule, the same on every store: it moves to the newest event only if the
 * trail still holds the anchored one (`stillThere`) or a checkpoint pruned past it
 * (`prunedPast`); otherwise the trail was cut back or rewritten and the anchor stays.
 */
export function anchorMove(
  anchored: AnchoredHead | null,
  head: AnchoredHead | null,
  trail: { stillThere: boolean; prunedPast: boolean },
): AnchorMove {
  if (anchored) {
    if (!trail.stillThere && !trail.prunedPast) return 'rewritten';
    if (!head || head.id <= anchored.id) return 'unchanged';
  } else if (!head) {
    return 'unchanged';
  }
  return 'advanced';
}

/** Where an anchor is kept: a file of this process's own, or memory. */
export interface AnchorStorage {
  read(): AnchoredHead | null;
  write(head: AnchoredHead): void;
}

function advanceWith(storage: AnchorStorage): AuditAnchor['advance'] {
  return (db) => {
    const head = auditHead(db);
    const anchored = storage.read();
    const trail = { stillThere: false, prunedPast: false };
    if (anchored) {
      trail.prunedPast =
        db
          .select({ id: auditCheckpoints.id })
          .from(auditCheckpoints)
          .where(gte(auditCheckpoints.prunedThroughId, anchored.id))
          .orderBy(desc(auditCheckpoints.id))
          .limit(1)
          .get() !== undefined;
      trail.stillThere = auditHashOf(db, anchored.id) === anchored.hash;
    }
    const move = anchorMove(anchored, head, trail);
    if (move === 'advanced' && head) storage.write(head);
    return move;
  };
}

/** A file under DATA_DIR, owner-only, replaced atomically. */
export function fileAnchorStorage(dataDir: string, name = 'audit-head.json'): AnchorStorage {
  const file = path.join(dataDir, name);
  return {
    read() {
      if (!existsSync(file)) return null;
      try {
        const value = JSON.parse(readFileSync(file, 'utf8')) as AnchoredHead;
        return Number.isInteger(value.id) && typeof value.hash === 'string' ? value : null;
      } catch {
        return null;
      }
    },
    write(head) {
      const temporary = `${file}.tmp`;
      writeFileSync(temporary, JSON.stringify({ id: head.id, hash: head.hash }), { mode: 0o600 });
      renameSync(temporary, file);
    },
  };
}

/** Memory only: for tests, for tools that only verify, and for a process without a disk. */
export function memoryAnchorStorage(): AnchorStorage {
  let current: AnchoredHead | null = null;
  return {
    read: () => current,
    write: (head) => {
      current = { id: head.id, hash: head.hash };
    },
  };
}

/** The anchor as a file under DATA_DIR, owner-only, replaced atomically. */
export function fileAuditAnchor(dataDir: string): AuditAnchor {
  const storage = fileAnchorStorage(dataDir);
  return { read: storage.read, advance: advanceWith(storage) };
}

/** The anchor in memory, for tests and for tools that only verify. */
export function memoryAuditAnchor(): AuditAnchor {
  const storage = memoryAnchorStorage();
  return { read: storage.read, advance: advanceWith(storage) };
}
