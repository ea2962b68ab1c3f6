import { createHmac } from 'node:crypto';
import type { AuditEventType } from '@onbehalf/contracts/audit';
import type { RequestMeta } from './request-meta.ts';
import { sha256 } from './tokens.ts';

/**
 * What an audit event is and how the chain links it, the same on every store: the entry a
 * command carries, the row it becomes, and the keyed hash over that row's stored bytes
 * (docs/decisions/017-audit-chain-keying.md). Appending, which needs the chain's head under a
 * lock, is each adapter's.
 */

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

/** The stored row of an event, before its chain hashes; `details` as its stored JSON text. */
export interface AuditRow {
  at: number;
  type: AuditEventType;
  actorUserId: number | null;
  actorKind: 'customer' | 'operator' | 'anonymous' | 'system' | null;
  subjectUserId: number | null;
  organizationId: number | null;
  sessionId: string | null;
  impersonationId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  reason: string | null;
  /** The stored JSON text; null only on rows written before it always was. */
  details: string | null;
}

/**
 * The fields a plain (pre-key) event's hash covers, in a fixed order. Kept to verify events
 * written before the chain was keyed; details were hashed as the parsed object.
 */
export function legacyPayload(row: Omit<AuditRow, 'details'> & { details: unknown }) {
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
export function storedPayload(row: AuditRow) {
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

/** Text as it will be stored: a lone surrogate would be stored as U+FFFD, so store that. */
const stored = (text: string | null) => (text === null ? null : text.toWellFormed());

/**
 * The row an entry becomes: texts as they will be stored, and the integration's credential
 * named in the details when the request came through one (SPEC §4b). `row.details` is the JSON
 * text that is stored and hashed ('null' for none); `details` the same value, for a store whose
 * column encodes JSON itself.
 */
/** The columns of a stored event: what `eventRow` fills, then its link in the chain. */
export const EVENT_COLUMNS = [
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
] as const satisfies readonly (keyof AuditRow | 'prevHash' | 'hash' | 'keyed')[];

export function eventRow(
  entry: AuditEntry,
  meta: RequestMeta,
): { row: AuditRow & { details: string }; details: Record<string, unknown> | null } {
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
    details: JSON.stringify(details),
  };
  return { row, details };
}
