import { and, type Column, isNull, lt, or, type SQL } from 'drizzle-orm';
import type { AuditEntry } from '../lib/audit-event.ts';

/**
 * What of the access history is past the trail's retention (ADR 043), one condition for both
 * adapters' tables (store/<dialect>/history-retention.ts).
 */

/** Sign-in attempts before `cutoff`, and before the first one within it (`firstKeptId`). */
export function attemptsBefore(
  table: { id: Column; at: Column },
  cutoff: number,
  firstKeptId: number | undefined,
): SQL | undefined {
  return and(
    lt(table.at, cutoff),
    firstKeptId !== undefined ? lt(table.id, firstKeptId) : undefined,
  );
}

/** Impersonations that finished before `cutoff`: ended, or never started and their hand-off expired. */
export function impersonationsFinishedBefore(
  table: { startedAt: Column; endedAt: Column; handoffExpiresAt: Column },
  cutoff: number,
): SQL | undefined {
  return or(
    lt(table.endedAt, cutoff),
    and(isNull(table.startedAt), isNull(table.endedAt), lt(table.handoffExpiresAt, cutoff)),
  );
}

/**
 * The trail's own record of a prune that deleted anything: how many events (through which),
 * sign-in attempts and finished impersonations, and the retention it kept. Written after them,
 * so it is the first kept event's successor in the chain, never pruned with them. A prune
 * that found nothing writes nothing.
 */
export function prunedEvent(
  result: { pruned: number; throughId: number | null; attempts: number; impersonations: number },
  retentionDays: number,
  now: number,
): AuditEntry | null {
  if (result.pruned + result.attempts + result.impersonations === 0) return null;
  return {
    type: 'audit.pruned',
    at: now,
    actor: { userId: null, kind: 'system' },
    details: {
      retentionDays,
      events: result.pruned,
      throughId: result.throughId,
      attempts: result.attempts,
      impersonations: result.impersonations,
    },
  };
}

/**
 * Runs `deleteBatch` (one short statement deleting up to `batch` rows; how many it deleted)
 * until one deletes fewer, pausing between, so a running server waits for the write lock a few
 * milliseconds at a time. How many were deleted in all.
 */
export async function deleteInBatches(
  { batch = 500, pauseMs = 5 }: { batch?: number; pauseMs?: number },
  deleteBatch: (limit: number) => number | Promise<number>,
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const now = await deleteBatch(batch);
    deleted += now;
    if (now < batch) return deleted;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}
