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
  advance(db: Queryable): 'advanced' | 'unchanged' | 'rewritten';
}

function advanceWith(
  read: () => AnchoredHead | null,
  write: (head: AnchoredHead) => void,
): AuditAnchor['advance'] {
  return (db) => {
    const head = auditHead(db);
    const anchored = read();
    if (anchored) {
      const prunedPast =
        db
          .select({ id: auditCheckpoints.id })
          .from(auditCheckpoints)
          .where(gte(auditCheckpoints.prunedThroughId, anchored.id))
          .orderBy(desc(auditCheckpoints.id))
          .limit(1)
          .get() !== undefined;
      const stillThere = auditHashOf(db, anchored.id) === anchored.hash;
      if (!stillThere && !prunedPast) return 'rewritten';
      if (!head || head.id <= anchored.id) return 'unchanged';
    } else if (!head) {
      return 'unchanged';
    }
    write(head as AnchoredHead);
    return 'advanced';
  };
}

/** The anchor as a file under DATA_DIR, owner-only, replaced atomically. */
export function fileAuditAnchor(dataDir: string): AuditAnchor {
  const file = path.join(dataDir, 'audit-head.json');
  const read = (): AnchoredHead | null => {
    if (!existsSync(file)) return null;
    try {
      const value = JSON.parse(readFileSync(file, 'utf8')) as AnchoredHead;
      return Number.isInteger(value.id) && typeof value.hash === 'string' ? value : null;
    } catch {
      return null;
    }
  };
  const write = (head: AnchoredHead) => {
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify({ id: head.id, hash: head.hash }), { mode: 0o600 });
    renameSync(temporary, file);
  };
  return { read, advance: advanceWith(read, write) };
}

/** The anchor in memory, for tests and for tools that only verify. */
export function memoryAuditAnchor(): AuditAnchor {
  let current: AnchoredHead | null = null;
  const read = () => current;
  return {
    read,
    advance: advanceWith(read, (head) => {
      current = { id: head.id, hash: head.hash };
    }),
  };
}
