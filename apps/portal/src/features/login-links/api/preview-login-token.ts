import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { previewQueryDefaults } from '../link-outcome.ts';

/** Whose account a login token opens (or a guest's), and whether it still works. */
export const previewLoginToken = (token: string) => api.links.previewLoginToken(token);

export const loginTokenPreviewQueryOptions = (token: string) =>
  queryOptions({
    queryKey: queryKeys.loginLinks.loginTokenPreview(token),
    queryFn: () => previewLoginToken(token),
    ...previewQueryDefaults,
  });

/** `enabled` goes off once Continue is pressed: a look after redemption would count as a failure. */
export function useLoginTokenPreview(token: string | null, enabled: boolean) {
  return useQuery({
    ...loginTokenPreviewQueryOptions(token ?? ''),
    enabled: enabled && token !== null,
  });
}
