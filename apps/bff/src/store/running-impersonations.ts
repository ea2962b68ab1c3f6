import { and, type Column, gt, gte, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';

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

/**
 * Whose change may end running impersonations (`endImpersonationsNoLongerAllowed` on either
 * store): a profile's role or permissions, or a person's operator role.
 */
export type ChangedParty = { profileId: number } | { userId: number };
