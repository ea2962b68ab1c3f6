import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The newest event of the trail as last seen, kept outside the database. */
export interface AnchoredHead {
  id: number;
  hash: string;
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
      // This process's own: processes sharing a DATA_DIR do not rename each other's writes.
      const temporary = `${file}.${process.pid}.tmp`;
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
