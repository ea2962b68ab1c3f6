import {
  and,
  asc,
  type Column,
  eq,
  gt,
  gte,
  isNotNull,
  isNull,
  lte,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';

/**
 * Impersonations running at the placeholder `now`, among those whose id is at least the
 * placeholder `fromId` (lib/metrics.ts `runningImpersonationsFromId`): started, not ended,
 * not past `ends_at`. One condition for both adapters' tables (store/<dialect>/metrics.ts).
 */
export function runningImpersonationsWhere(table: {
  id: Column;
  startedAt: Column;
  endedAt: Column;
  endsAt: Column;
}): SQL | undefined {
  return and(
    gte(table.id, sql.placeholder('fromId')),
    isNotNull(table.startedAt),
    isNull(table.endedAt),
    gt(table.endsAt, sql.placeholder('now')),
  );
}

/** Impersonations by or of the profile (or the person) the placeholder `id` names. */
export function byOrOf(
  table: {
    actorProfileId: Column;
    targetProfileId: Column;
    actorUserId: Column;
    targetUserId: Column;
  },
  by: 'profile' | 'user',
): SQL | undefined {
  const id = sql.placeholder('id');
  return by === 'profile'
    ? or(eq(table.actorProfileId, id), eq(table.targetProfileId, id))
    : or(eq(table.actorUserId, id), eq(table.targetUserId, id));
}

/**
 * Hand-offs asked for and not yet used, withdrawn or past their minute, among those whose id
 * is at least the placeholder `fromId`: what an exchange could still start, and so what a
 * change that takes the right away must withdraw in its own transaction. The exchange checks
 * the rules before its own, and its claim refuses only a withdrawn hand-off (ADR 023).
 */
export function unusedHandoffsWhere(table: {
  id: Column;
  startedAt: Column;
  endedAt: Column;
  handoffExpiresAt: Column;
}): SQL | undefined {
  return and(
    gte(table.id, sql.placeholder('fromId')),
    isNull(table.startedAt),
    isNull(table.endedAt),
    gt(table.handoffExpiresAt, sql.placeholder('now')),
  );
}

/**
 * Started impersonations not ended whose `ends_at` is at or before `now`, after `after` (the
 * `[endsAt, id]` of the last one read), and their order: the earliest end first. One condition
 * for both adapters' tables (`ImpersonationStore.overdue`), served by `impersonations_overdue_idx`.
 */
export function overdueImpersonations(
  table: { id: Column; startedAt: Column; endedAt: Column; endsAt: Column },
  now: number,
  after: readonly [number, string] | undefined,
): { where: SQL | undefined; orderBy: [SQL, SQL] } {
  return {
    where: and(
      isNull(table.endedAt),
      isNotNull(table.startedAt),
      lte(table.endsAt, now),
      after ? sql`(${table.endsAt}, ${table.id}) > (${after[0]}, ${after[1]})` : undefined,
    ),
    orderBy: [asc(table.endsAt), asc(table.id)],
  };
}

/**
 * Whose change may end running impersonations (`endImpersonationsNoLongerAllowed` on either
 * store): a profile's role or permissions, or a person's operator role.
 */
export type ChangedParty = { profileId: number } | { userId: number };
