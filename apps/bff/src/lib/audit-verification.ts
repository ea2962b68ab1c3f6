import type { AuditBreak, AuditVerification } from '@onbehalf/contracts/audit';
import type { AnchoredHead } from './audit-anchor.ts';
import {
  type AuditRow,
  GENESIS_HASH,
  keyedHash,
  legacyHash,
  legacyPayload,
  storedPayload,
} from './audit-event.ts';

/**
 * How the audit chain is verified, apart from how a store reads it: each store reads the
 * checkpoints, then feeds the events in id order, a page at a time, and asks for the answer
 * (store/sqlite/audit-chain.ts on SQLite, store/postgres/audit-chain.ts on PostgreSQL). The rules are
 * docs/decisions/017-audit-chain-keying.md.
 */

/** Events read per page. */
export const VERIFY_PAGE = 2_000;
/**
 * Verification's answer lists this many breaks at most, the first half and the latest half, and
 * counts every one: decoy edits early in the trail cannot push a later one out of the list. A
 * caller that wants every break as it is found (`pnpm audit:verify`) is given each (`onBreak`).
 */
export const MAX_LISTED = 100;

/** How a store's verification reads: its page size, how far, and who is told of each break. */
export interface VerifyOptions {
  page?: number;
  throughId?: number;
  onBreak?: ((found: AuditBreak) => void) | undefined;
}

/** A checkpoint as either store holds it. */
export interface CheckpointRow {
  id: number;
  prunedThroughId: number;
  lastHash: string;
  prunedAt: number;
  retentionDays: number;
  prevHash: string | null;
  hash: string | null;
}

/** What a checkpoint's own hash covers. */
export function checkpointPayload(
  c: Pick<CheckpointRow, 'prunedThroughId' | 'lastHash' | 'prunedAt' | 'retentionDays'>,
) {
  return JSON.stringify([c.prunedThroughId, c.lastHash, c.prunedAt, c.retentionDays]);
}

/**
 * What a store may hold from before the chain had a key (ADR 017): SQLite may (`legacy`), from
 * its first versions; PostgreSQL never did, so there a plain event or an unhashed checkpoint
 * is a forgery. `beforeTheKey` are the unhashed checkpoints whose surroundings say they are
 * from before the key (the store judges them: `sqliteChainHistory`); any other is forged.
 */
export interface ChainHistory {
  legacy: boolean;
  beforeTheKey: ReadonlySet<number>;
}

/**
 * The checkpoints that verify (chained from genesis, keyed), and every one that does not. A
 * forged checkpoint is reported and not believed, so it cannot hide an edit below it.
 */
export function verifyCheckpoints(
  rows: readonly CheckpointRow[],
  key: Buffer,
  history: ChainHistory,
) {
  const breaks: AuditBreak[] = [];
  /**
   * Unhashed checkpoints not believed, on a store that may hold them from before the key, and
   * the furthest each pruned: a keyed checkpoint that verifies and pruned at least as far
   * supersedes them.
   */
  let unbelieved: { found: AuditBreak; prunedThroughId: number }[] = [];
  let trusted: CheckpointRow | null = null;
  let prev = GENESIS_HASH;
  let keyedSeen = false;
  for (const row of rows) {
    // Checkpoints from before the chain had a key carry no hash: believed only where the store
    // may hold them, before the first keyed checkpoint, and where the store judged it from
    // before the key (a planted one must not cover events written since: found by reviews).
    if (row.hash === null) {
      const beforeTheKey = history.legacy && !keyedSeen && history.beforeTheKey.has(row.id);
      const found: AuditBreak = { id: null, checkpointId: row.id, problem: 'checkpoint_forged' };
      if (beforeTheKey) trusted = row;
      else if (history.legacy && !keyedSeen) {
        unbelieved.push({ found, prunedThroughId: row.prunedThroughId });
      } else breaks.push(found);
      continue;
    }
    keyedSeen = true;
    const expected = keyedHash(key, prev, checkpointPayload(row));
    if (row.prevHash !== prev || row.hash !== expected) {
      breaks.push({ id: null, checkpointId: row.id, problem: 'checkpoint_forged' });
      continue;
    }
    // A keyed checkpoint, which only the key writes, starts verification from here: on SQLite
    // one from before the key that it pruned past is history (a prune of its plain events left
    // it with a keyed event above, found by a review). Any other stays reported: PostgreSQL
    // never held one (a review planted one below a prune's and it went unsaid).
    unbelieved = unbelieved.filter((u) => u.prunedThroughId > row.prunedThroughId);
    trusted = row;
    prev = row.hash;
  }
  const judged = [...unbelieved.map((u) => u.found), ...breaks];
  return { trusted, breaks: judged.sort(byCheckpoint), head: prev };
}

const byCheckpoint = (a: AuditBreak, b: AuditBreak) =>
  (a.checkpointId ?? 0) - (b.checkpointId ?? 0);

/** One stored event, its columns exactly as stored (`details` as the stored text). */
export interface ChainEvent {
  id: number;
  stored: AuditRow;
  prevHash: string;
  hash: string;
  keyed: boolean;
}

/**
 * Recomputes every event's hash from what is stored and from its predecessor, from the last
 * checkpoint that verifies. It lists every broken event, not only the first: after a break it
 * goes on from what is stored, so an edit further on is reported too. The head kept outside
 * the database tells whether the newest events were deleted.
 *
 * The store reads the `stretches` it is given. Events above the trusted checkpoint go to `add`;
 * before them, every event at or below it goes to `addBelow`: there
 * can only be what a prune still has to delete (it writes its checkpoint first, then deletes
 * the oldest first), an unbroken keyed chain ending at the checkpoint's last event; at the
 * genesis, none. Anything else there was inserted, and is reported, not left unread: lists and
 * exports show every row.
 */
export function chainVerifier(
  key: Buffer,
  checkpointRows: readonly CheckpointRow[],
  anchored: AnchoredHead | null,
  history: ChainHistory,
  onBreak?: (found: AuditBreak) => void,
) {
  const checkpoints = verifyCheckpoints(checkpointRows, key, history);
  const first: AuditBreak[] = [];
  const latest: AuditBreak[] = [];
  let breakCount = 0;
  const report = (found: AuditBreak) => {
    breakCount += 1;
    onBreak?.(found);
    if (first.length < MAX_LISTED / 2) first.push(found);
    else {
      latest.push(found);
      if (latest.length > MAX_LISTED / 2) latest.shift();
    }
  };
  for (const found of checkpoints.breaks) report(found);
  const checkpoint = checkpoints.trusted;
  let expectedPrev = checkpoint?.lastHash ?? GENESIS_HASH;
  let checked = 0;
  let keyedSeen = false;
  let anchorSeen = false;
  let anchorReplaced = false;
  /** Whether the event's own hash holds: what its content and its stored link give. */
  const contentProblem = (event: ChainEvent): AuditBreak['problem'] | null => {
    const { stored, prevHash, hash } = event;
    if (event.keyed) {
      keyedSeen = true;
      return hash === keyedHash(key, prevHash, storedPayload(stored)) ? null : 'edited';
    }
    // Once the chain is keyed it stays keyed: a plain event after it was rewritten; and a
    // store that never held plain events holds none.
    if (keyedSeen || !history.legacy) return 'unkeyed';
    // Details that are not JSON were not written by the server: edited, and reported as such
    // (a throw here would stop verification and hide every later break).
    const details = parsedDetails(stored.details);
    if (details === undefined) return 'edited';
    return hash === legacyHash(prevHash, legacyPayload({ ...stored, details })) ? null : 'edited';
  };
  /** The last event read at or below `startAfterId`, and whether that stretch is judged. */
  let below: { id: number; hash: string } | null = null;
  let belowJudged = false;
  const judgeBelow = () => {
    if (belowJudged) return;
    belowJudged = true;
    if (below === null || checkpoint === null) return;
    // A prune half done leaves its newest events, up to the one its checkpoint names.
    const leftOver = below.id === checkpoint.prunedThroughId && below.hash === checkpoint.lastHash;
    if (!leftOver) report({ id: below.id, checkpointId: null, problem: 'inserted' });
  };
  const startAfterId = checkpoint?.prunedThroughId ?? 0;
  const chain = {
    /**
     * What the store reads, in this order, each in id order (`after < id <= through`), giving
     * every event to the stretch's `add`: first what lies at or below the checkpoint (normally
     * nothing: one index lookup), then the rest, up to `throughId`.
     */
    stretches(throughId: number) {
      return [
        {
          after: Number.MIN_SAFE_INTEGER,
          // All of it, whatever `throughId`: what a prune left must end at its checkpoint's
          // event, and a prune resumed with a longer retention stops below it.
          through: startAfterId,
          add: (event: ChainEvent) => chain.addBelow(event),
        },
        { after: startAfterId, through: throughId, add: (event: ChainEvent) => chain.add(event) },
      ];
    },
    /**
     * What lies beyond the ids the stretches can name (`id <= atOrBelow` or `id > above`, past
     * what a JavaScript number holds exactly): the stores refuse to write there, so every event
     * found there was planted. The store reads how many there are and the ids of the first
     * few (rounded to a number), and gives them to `add`; normally two index lookups find none.
     */
    beyond: {
      atOrBelow: Number.MIN_SAFE_INTEGER,
      above: Number.MAX_SAFE_INTEGER,
      listed: MAX_LISTED,
      add(ids: readonly number[], total: number): void {
        for (const id of ids) report({ id, checkpointId: null, problem: 'inserted' });
        breakCount += total - ids.length;
        checked += total;
      },
    },
    addBelow(event: ChainEvent): void {
      let problem = contentProblem(event);
      if (checkpoint === null) problem = 'inserted';
      else if (!problem && below !== null && event.prevHash !== below.hash) problem = 'relinked';
      if (problem) report({ id: event.id, checkpointId: null, problem });
      below = { id: event.id, hash: event.hash };
      checked += 1;
    },
    add(event: ChainEvent): void {
      judgeBelow();
      const { id, prevHash, hash } = event;
      let problem = contentProblem(event);
      if (!problem && prevHash !== expectedPrev) problem = 'relinked';
      if (problem) report({ id, checkpointId: null, problem });
      if (anchored && id === anchored.id) {
        anchorSeen = true;
        // Its id is here, but not the event the head was written from: the trail was cut back
        // and written again over the same ids (a rewound sequence), reported as the cut below.
        anchorReplaced = hash !== anchored.hash;
      }
      // Go on from what is stored, so a later, separate edit shows as well.
      expectedPrev = hash;
      checked += 1;
    },
    result(): AuditVerification {
      judgeBelow();
      // The newest head was written outside the database: the event it names must be here,
      // unless a checkpoint that verifies, keyed, pruned past it (one from before the key is
      // older than any head: heads are written since). Its absence is a cut, whatever was
      // written since: the next event after a cut lands above it, unless the id sequence was
      // rewound too, and then another event stands at its id (mutation review): a cut as well.
      const pruned =
        checkpoint?.hash != null && anchored !== null && anchored.id <= checkpoint.prunedThroughId;
      const truncated = anchored !== null && (!anchorSeen || anchorReplaced) && !pruned;
      if (truncated) report({ id: anchored.id, checkpointId: null, problem: 'truncated' });
      const breaks = [...first, ...latest];
      return {
        intact: breakCount === 0,
        checked,
        firstBrokenId: breaks.find((b) => b.id !== null)?.id ?? null,
        breaks,
        breakCount,
        anchor: checkpoint ? 'checkpoint' : 'genesis',
        outsideAnchor: anchored === null ? 'missing' : truncated ? 'truncated' : 'matched',
      };
    },
  };
  return chain;
}

/**
 * Pruning signs away what it deletes (a keyed checkpoint of the last pruned hash): it first
 * verifies the events it would delete, and refuses when they do not verify, so that an edit,
 * or a date moved back to make recent events look old, is never sealed into a checkpoint.
 */
export function refuseUnverified(verification: AuditVerification): void {
  if (verification.intact) return;
  const first = verification.breaks[0];
  throw new Error(
    `The audit trail does not verify up to the events to prune (${verification.breakCount} break(s)${first ? `, the first at event ${first.id ?? `checkpoint ${first.checkpointId}`}: ${first.problem}` : ''}). Nothing was pruned. Run pnpm audit:verify.`,
  );
}

/** Stored details as the server wrote them (a JSON object, or none), or undefined if not. */
function parsedDetails(text: string | null): Record<string, unknown> | null | undefined {
  if (text === null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
