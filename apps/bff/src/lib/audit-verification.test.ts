import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, keyedHash } from './audit-event.ts';
import { type CheckpointRow, checkpointPayload, verifyCheckpoints } from './audit-verification.ts';

const key = randomBytes(32);
const hashOf = (n: number) => n.toString(16).padStart(64, '0');

/** A checkpoint from before the chain had a key: no hash of its own. */
const plain = (id: number, prunedThroughId: number): CheckpointRow => ({
  id,
  prunedThroughId,
  lastHash: hashOf(prunedThroughId),
  prunedAt: 1_700_000_000_000,
  retentionDays: 400,
  prevHash: null,
  hash: null,
});

/** A keyed checkpoint chained after `prev`, as only the key writes one. */
function keyed(id: number, prunedThroughId: number, prev = GENESIS_HASH): CheckpointRow {
  const values = {
    prunedThroughId,
    lastHash: hashOf(prunedThroughId),
    prunedAt: 1_700_000_000_000 + id,
    retentionDays: 400,
  };
  return { id, ...values, prevHash: prev, hash: keyedHash(key, prev, checkpointPayload(values)) };
}

describe('checkpoints from before the key, on a store that may hold them (SQLite)', () => {
  // Not judged from before the key (so not believed), and no keyed checkpoint after it yet.
  const history = { legacy: true, beforeTheKey: new Set<number>() };

  it('one a keyed checkpoint pruned exactly as far as is history, not a forgery', () => {
    const result = verifyCheckpoints([plain(1, 10), keyed(2, 10)], key, history);
    expect(result.breaks).toEqual([]);
    expect(result.trusted?.id).toBe(2);
  });

  it('one that pruned further than the keyed checkpoint after it is still reported', () => {
    const result = verifyCheckpoints([plain(1, 11), keyed(2, 10)], key, history);
    expect(result.breaks).toEqual([{ id: null, checkpointId: 1, problem: 'checkpoint_forged' }]);
  });
});
