import type { AuditEvent, AuditFilters, AuditPage } from '@onbehalf/contracts/audit';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** Whose trail: every organization's (operators) or the active organization's (team admins). */
export type AuditScope = 'sys' | 'team';

export const listAuditEvents = (scope: AuditScope, filters: AuditFilters, page: PageRequest) => {
  const q = { ...filters, ...page };
  return scope === 'sys' ? api.audit.list(q) : api.audit.teamList(q);
};

export const auditEventsQueryOptions = (scope: AuditScope, filters: AuditFilters) =>
  pagedQueryOptions(queryKeys.audit.events(scope, filters), (page) =>
    listAuditEvents(scope, filters, page),
  );

const eventsOf = (page: AuditPage) => page.events;
const eventId = (event: AuditEvent) => event.id;

/** The trail newest first, a page at a time ("Load more"). */
export function useAuditEvents(scope: AuditScope, filters: AuditFilters) {
  return usePagedList(auditEventsQueryOptions(scope, filters), eventsOf, eventId);
}
