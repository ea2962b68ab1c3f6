import type { AuditFilters } from '@onbehalf/contracts/audit';
import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** Whose trail: every organization's (operators) or the active organization's (team admins). */
export type AuditScope = 'sys' | 'team';

const PAGE_SIZE = 50;

export const listAuditEvents = (scope: AuditScope, filters: AuditFilters, cursor?: string) => {
  const q = { ...filters, cursor, limit: PAGE_SIZE };
  return scope === 'sys' ? api.audit.list(q) : api.audit.teamList(q);
};

export const auditEventsQueryOptions = (scope: AuditScope, filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: queryKeys.audit.events(scope, filters),
    queryFn: ({ pageParam }) => listAuditEvents(scope, filters, pageParam),
    initialPageParam: undefined as string | undefined,
    // Keyset pages: the server's cursor, until it says there is no more.
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

/** The trail newest first, a page at a time ("Load more"). */
export function useAuditEvents(scope: AuditScope, filters: AuditFilters) {
  return useInfiniteQuery(auditEventsQueryOptions(scope, filters));
}
