import { desc } from 'drizzle-orm';
import {
  type AuditEntry,
  EVENT_COLUMNS,
  eventRow,
  GENESIS_HASH,
  keyedHash,
  storedPayload,
} from '../../lib/audit-event.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { placeholdersFor } from '../placeholders.ts';
import type { Queryable } from './client.ts';
import { groupMemo } from './commit-groups.ts';
import { hotCounters } from './hot-counters.ts';
import { connectionOf, preparedPerHandle } from './prepared.ts';
import { auditCheckpoints, auditEvents } from './schema/audit-events.ts';
import { recordSecretCheck } from './secret-record.ts';

/**
 * The chain's key, per database connection: bound once when the database is opened (from the
 * server secret, never from the database itself), so every append on that connection uses it.
 * A command's connection (`pnpm cli …`) also carries the key its secret's check is sealed with
 * (`confirmSecretWith`): its keyed writes confirm the database's secret in their own
 * transaction (`confirmCommandSecret`). A server's carries none: it confirmed at its start.
 */
const chainKeys = new WeakMap<object, BoundKey>();

interface BoundKey {
  key: Buffer;
  /** On a command's connection: the key the database's secret check is sealed with. */
  confirmSecretWith?: Buffer;
}

export function bindAuditKey(
  handle: object,
  key: Buffer,
  options: { confirmSecretWith?: Buffer } = {},
): void {
  chainKeys.set(connectionOf(handle), { key, ...options });
}

function chainKeyOf(handle: object): BoundKey {
  const bound = chainKeys.get(connectionOf(handle));
  // Fail closed: an event the chain cannot key is not written.
  if (!bound) throw new Error('No audit chain key is bound to this database connection');
  return bound;
}

/**
 * On a command's connection, in the transaction of a keyed write (an event, a prune's
 * checkpoint), before it: refuses when the database recorded another secret, and records this
 * one when it recorded none. A command run while the database's first server starts with
 * another secret once wrote its events keyed apart before either had recorded anything, and
 * was refused only after (a review); now whichever commits first decides, and the other is
 * refused with nothing written. A command that writes nothing keyed records nothing, so that a
 * deploy's step given another secret cannot lock the servers out (ADR 017).
 */
export function confirmCommandSecret(tx: Queryable, now: number): void {
  confirmIfCommand(tx, chainKeys.get(connectionOf(tx)), now);
}

function confirmIfCommand(tx: Queryable, bound: BoundKey | undefined, now: number): void {
  if (bound?.confirmSecretWith !== undefined) recordSecretCheck(tx, bound.confirmSecretWith, now);
}

const insertEvent = preparedPerHandle((db: Queryable) =>
  db.insert(auditEvents).values(placeholdersFor(EVENT_COLUMNS)).prepare(),
);

const lastEvent = preparedPerHandle((db: Queryable) =>
  db
    .select({ hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1)
    .prepare(),
);

const lastCheckpoint = preparedPerHandle((db: Queryable) =>
  db
    .select({ hash: auditCheckpoints.lastHash })
    .from(auditCheckpoints)
    .orderBy(desc(auditCheckpoints.id))
    .limit(1)
    .prepare(),
);

/**
 * The hash the next event links to: the newest event's; when retention pruned every event,
 * the one its checkpoint kept; on a new trail, genesis.
 */
function chainHead(tx: Queryable): string {
  return lastEvent(tx).get()?.hash ?? lastCheckpoint(tx).get()?.hash ?? GENESIS_HASH;
}

/** Where a group remembers the hash of the last event it appended (see `groupMemo`). */
const CHAIN_HEAD = 'audit.chainHead';

/**
 * Appends one event. Call it with the transaction that makes the change it records,
 * so the event and the change commit or roll back together.
 */
export function recordAudit(tx: Queryable, entry: AuditEntry, meta: RequestMeta): void {
  const bound = chainKeyOf(tx);
  confirmIfCommand(tx, bound, entry.at);
  const { row, details } = eventRow(entry, meta);
  // Within a group the previous event is the one this connection appended last.
  const memo = groupMemo(tx);
  const prevHash = (memo?.get(CHAIN_HEAD) as string | undefined) ?? chainHead(tx);
  // The JSON column stores JSON.stringify(details), which is row.details: the hash covers it.
  const hash = keyedHash(bound.key, prevHash, storedPayload(row));
  insertEvent(tx).run({ ...row, details, prevHash, hash, keyed: true });
  memo?.set(CHAIN_HEAD, hash);
  hotCounters(tx).auditAppends++;
}
