import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import type { AuditScope } from './list-audit-events.ts';

export const getImpersonationReport = (scope: AuditScope, id: string) =>
  scope === 'sys' ? api.audit.impersonation(id) : api.audit.teamImpersonation(id);

export const impersonationReportQueryOptions = (scope: AuditScope, id: string) =>
  queryOptions({
    queryKey: queryKeys.audit.impersonation(scope, id),
    queryFn: () => getImpersonationReport(scope, id),
  });

/** One impersonation, and everything recorded under it, oldest first. */
export function useImpersonationReport(scope: AuditScope, id: string) {
  return useQuery(impersonationReportQueryOptions(scope, id));
}
