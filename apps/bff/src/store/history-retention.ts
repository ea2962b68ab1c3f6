import { and, type Column, isNull, lt, or, type SQL } from 'drizzle-orm';

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
