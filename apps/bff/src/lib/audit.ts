import type { AuditEventType } from '@onbehalf/contracts/audit';
import { desc } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { groupMemo } from '../db/commit-groups.ts';
import { auditCheckpoints, auditEvents } from '../db/schema/audit-events.ts';
import { placeholdersFor, preparedPerHandle } from './prepared.ts';
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

/** The fields the chain hash covers, in a fixed order (JSON key order is part of the hash). */
export function chainPayload(
  row: Omit<typeof auditEvents.$inferInsert, 'id' | 'hash' | 'prevHash'>,
) {
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
  const row = {
    at: entry.at,
    type: entry.type,
    actorUserId: entry.actor?.userId ?? null,
    actorKind: entry.actor?.kind ?? null,
    subjectUserId: entry.subjectUserId ?? null,
    organizationId: entry.organizationId ?? null,
    sessionId: entry.sessionId ?? null,
    impersonationId: entry.impersonationId ?? null,
    ip: meta.ip,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    reason: entry.reason ?? null,
    details: meta.credential ? { ...entry.details, via: meta.credential } : (entry.details ?? null),
  };
  // Within a group the previous event is the one this connection appended last.
  const memo = groupMemo(tx);
  const prevHash = (memo?.get(CHAIN_HEAD) as string | undefined) ?? chainHead(tx);
  const hash = sha256(`${prevHash}\n${chainPayload(row)}`);
  insertEvent(tx).run({ ...row, prevHash, hash });
  memo?.set(CHAIN_HEAD, hash);
}
