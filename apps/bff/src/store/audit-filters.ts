import type { AuditFilters } from '@onbehalf/contracts/audit';
import { type Column, eq, gte, inArray, lte, type SQL } from 'drizzle-orm';

/** The audit trail's columns the filters test, in either store's schema. */
interface AuditColumns {
  id: Column;
  at: Column;
  type: Column;
  actorUserId: Column;
  subjectUserId: Column;
  organizationId: Column;
  impersonationId: Column;
}

/**
 * A page's filters as conditions on either store, every one but the free text and the cursor,
 * which each store reads its own way. `minId` is the id the `from` time starts at, so that the
 * primary key bounds the range as well as the time does.
 */
export function auditFilterConditions(
  table: AuditColumns,
  filters: Omit<AuditFilters, 'query'>,
  minId: number | undefined,
): (SQL | undefined)[] {
  return [
    minId !== undefined ? gte(table.id, minId) : undefined,
    filters.from ? gte(table.at, Date.parse(filters.from)) : undefined,
    filters.to ? lte(table.at, Date.parse(filters.to)) : undefined,
    filters.type?.length
      ? filters.type.length === 1
        ? eq(table.type, filters.type[0])
        : inArray(table.type, filters.type)
      : undefined,
    filters.actorUserId ? eq(table.actorUserId, filters.actorUserId) : undefined,
    filters.subjectUserId ? eq(table.subjectUserId, filters.subjectUserId) : undefined,
    filters.organizationId ? eq(table.organizationId, filters.organizationId) : undefined,
    filters.impersonationId ? eq(table.impersonationId, filters.impersonationId) : undefined,
  ];
}
