import { createHmac } from 'node:crypto';
import type { AuditEventType } from '@onbehalf/contracts/audit';
import { desc } from 'drizzle-orm';
import type { Queryable } from '../store/sqlite/client.ts';
import { groupMemo } from '../store/sqlite/commit-groups.ts';
import { connectionOf, placeholdersFor, preparedPerHandle } from '../store/sqlite/prepared.ts';
import { auditCheckpoints, auditEvents } from '../store/sqlite/schema/audit-events.ts';
import { hotCounters } from './hot-counters.ts';
import type { RequestMeta } from './request-meta.ts';
import { sha256 } from './tokens.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  type: AuditEventType;
  at: number;
  actor?: { userId: number | null; kind: 'customer' | 'operator' | 'anonymous' | 'system' };
  subjectUserId?: number | null;
  organizationId?: number | null;
  sessionId?: string | null;
  impersonationId?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** The stored row of an event, before its chain hashes. */
export type AuditRow = Omit<typeof auditEvents.$inferInsert, 'id' | 'hash' | 'prevHash' | 'keyed'>;

/**
 * The fields a plain (pre-key) event's hash covers, in a fixed order. Kept to verify events
 * written before the chain was keyed; details were hashed as the parsed object.
 */
export function legacyPayload(row: AuditRow) {
  return JSON.stringify([
    row.at,
    row.type,
    row.actorUserId ?? null,
    row.actorKind ?? null,
    row.subjectUserId ?? null,
    row.organizationId ?? null,
    row.sessionId ?? null,
    row.impersonationId ?? null,
    row.ip ?? null,
    row.userAgent ?? null,
    row.requestId ?? null,
    row.reason ?? null,
    row.details ?? null,
  ]);
}

/**
 * What a keyed event's hash covers: every column exactly as stored, the details as their stored
 * JSON text (not re-serialised), in a fixed order. Each text is a JSON string, so two different
 * stored values can never give the same payload.
 */
export function storedPayload(row: Omit<AuditRow, 'details'> & { details: string | null }) {
  return JSON.stringify([
    row.at,
    row.type,
    row.actorUserId ?? null,
    row.actorKind ?? null,
    row.subjectUserId ?? null,
    row.organizationId ?? null,
    row.sessionId ?? null,
    row.impersonationId ?? null,
    row.ip ?? null,
    row.userAgent ?? null,
    row.requestId ?? null,
    row.reason ?? null,
    row.details,
  ]);
}

/** HMAC-SHA-256 under the chain's key: without the key, nobody can recompute the chain. */
export function keyedHash(key: Buffer, prevHash: string, payload: string): string {
  return createHmac('sha256', key).update(`${prevHash}\n${payload}`).digest('hex');
}

/** The plain SHA-256 link of events written before the chain had a key. */
export function legacyHash(prevHash: string, payload: string): string {
  return sha256(`${prevHash}\n${payload}`);
}

/**
 * The chain's key, per database connection: bound once when the database is opened (from the
 * server secret, never from the database itself), so every append on that connection uses it.
 */
const chainKeys = new WeakMap<object, Buffer>();

export function bindAuditKey(handle: object, key: Buffer): void {
  chainKeys.set(connectionOf(handle), key);
}

function chainKeyOf(handle: object): Buffer {
  const key = chainKeys.get(connectionOf(handle));
  // Fail closed: an event the chain cannot key is not written.
  if (!key) throw new Error('No audit chain key is bound to this database connection');
  return key;
}

/** Text as it will be stored: a lone surrogate would be stored as U+FFFD, so store that. */
const stored = (text: string | null) => (text === null ? null : text.toWellFormed());

const eventColumns = [
  'at',
  'type',
  'actorUserId',
  'actorKind',
  'subjectUserId',
  'organizationId',
  'sessionId',
  'impersonationId',
  'ip',
  'userAgent',
  'requestId',
  'reason',
  'details',
  'prevHash',
  'hash',
  'keyed',
] as const;

const insertEvent = preparedPerHandle((db: Queryable) =>
  db.insert(auditEvents).values(placeholdersFor(eventColumns)).prepare(),
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
  const details = meta.credential
    ? { ...entry.details, via: meta.credential }
    : (entry.details ?? null);
  const row = {
    at: entry.at,
    type: entry.type,
    actorUserId: entry.actor?.userId ?? null,
    actorKind: entry.actor?.kind ?? null,
    subjectUserId: entry.subjectUserId ?? null,
    organizationId: entry.organizationId ?? null,
    sessionId: stored(entry.sessionId ?? null),
    impersonationId: stored(entry.impersonationId ?? null),
    ip: stored(meta.ip),
    userAgent: stored(meta.userAgent),
    requestId: stored(meta.requestId),
    reason: stored(entry.reason ?? null),
    details,
  };
  // Within a group the previous event is the one this connection appended last.
  const memo = groupMemo(tx);
  const prevHash = (memo?.get(CHAIN_HEAD) as string | undefined) ?? chainHead(tx);
  // The details column stores JSON.stringify of this same value ('null' for none): hash that text.
  const payload = storedPayload({ ...row, details: JSON.stringify(details) });
  const hash = keyedHash(chainKeyOf(tx), prevHash, payload);
  insertEvent(tx).run({ ...row, prevHash, hash, keyed: true });
  memo?.set(CHAIN_HEAD, hash);
  hotCounters(tx).auditAppends++;
}
