import type { OrganizationsResponse } from '@onbehalf/contracts/users';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type Organization = OrganizationsResponse['organizations'][number];

export const searchOrganizations = (search: string) => api.sys.organizations(search || undefined);

export const organizationsQueryOptions = (search: string) =>
  queryOptions({
    queryKey: queryKeys.organizations.search(search),
    queryFn: () => searchOrganizations(search),
  });

/**
 * Organizations by name, at most 50, and whether more match; the previous answer stays while the
 * next loads.
 */
export function useOrganizations(search: string) {
  return useQuery({ ...organizationsQueryOptions(search), placeholderData: keepPreviousData });
}
