import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const verifyAuditChain = () => api.audit.verify();

export const auditVerificationQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.audit.verification(),
    queryFn: verifyAuditChain,
    // A verdict is about the trail as it was when checked: never show an old one as current.
    gcTime: 0,
  });

/** Walks the whole hash chain on the server, so it runs only when asked (`enabled`). */
export function useAuditVerification(enabled: boolean) {
  return useQuery({ ...auditVerificationQueryOptions(), enabled });
}
