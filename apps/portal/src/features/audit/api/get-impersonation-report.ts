import type { AuditEvent, ImpersonationReport } from '@onbehalf/contracts/audit';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';
import type { AuditScope } from './list-audit-events.ts';

/** One impersonation and a page of its actions: the newest first, each `cursor` earlier ones. */
export const getImpersonationReport = (scope: AuditScope, id: string, page: PageRequest) =>
  scope === 'sys' ? api.audit.impersonation(id, page) : api.audit.teamImpersonation(id, page);

export const impersonationReportQueryOptions = (scope: AuditScope, id: string) =>
  pagedQueryOptions(queryKeys.audit.impersonation(scope, id), (page) =>
    getImpersonationReport(scope, id, page),
  );

/** One impersonation, as its first page gave it. */
export function useImpersonationReport(scope: AuditScope, id: string) {
  const query = useInfiniteQuery(impersonationReportQueryOptions(scope, id));
  return { ...query, impersonation: query.data?.pages[0]?.impersonation };
}

const eventsOf = (page: ImpersonationReport) => page.events;
const eventId = (event: AuditEvent) => event.id;

/**
 * Everything recorded under the impersonation, oldest first: its newest actions, and before
 * them each page of earlier ones as it is asked for ("Earlier actions").
 */
export function useImpersonationTimeline(scope: AuditScope, id: string) {
  return usePagedList(impersonationReportQueryOptions(scope, id), eventsOf, eventId, {
    earlierPagesFirst: true,
  });
}
