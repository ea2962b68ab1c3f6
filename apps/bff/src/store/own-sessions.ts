import { and, type Column, eq, gt, isNull, ne, type SQL, sql } from 'drizzle-orm';

/**
 * Conditions on a person's own sessions and what they started, one for both adapters' tables
 * (store/<dialect>/sessions.ts, store/<dialect>/impersonations.ts), as
 * store/running-impersonations.ts does for the metrics.
 */
interface SessionColumns {
  id: Column;
  userId: Column;
  expiresAt: Column;
  revokedAt: Column;
  revokedReason: Column;
}

/**
 * A user's sessions that can still be used (not revoked, not expired), but one: what signing
 * someone out touches. Expired sessions stay as they are, so the work is bounded by the live
 * sessions, not by every sign-in the person ever made.
 */
export function liveSessionsOf(
  table: SessionColumns,
  userId: number,
  exceptSessionId: string | null,
  now: number,
): SQL | undefined {
  return and(
    eq(table.userId, userId),
    isNull(table.revokedAt),
    gt(table.expiresAt, now),
    exceptSessionId === null ? undefined : ne(table.id, exceptSessionId),
  );
}

/** A user's sessions revoked by this command (at `now`, for `reason`). */
export function revokedNow(
  table: SessionColumns,
  userId: number,
  reason: string,
  now: number,
): SQL | undefined {
  return and(eq(table.userId, userId), eq(table.revokedAt, now), eq(table.revokedReason, reason));
}

/**
 * The impersonations an own session (placeholder `actorSessionId`) runs or asked a hand-off for,
 * but the one starting (placeholder `startingId`): what a start ends (docs/decisions/037).
 */
export function othersOfOwnSessionWhere(table: {
  id: Column;
  actorSessionId: Column;
  endedAt: Column;
}): SQL | undefined {
  return and(
    eq(table.actorSessionId, sql.placeholder('actorSessionId')),
    ne(table.id, sql.placeholder('startingId')),
    isNull(table.endedAt),
  );
}
