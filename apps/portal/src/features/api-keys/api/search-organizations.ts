import type { OrganizationsResponse } from '@onbehalf/contracts/users';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export type Organization = OrganizationsResponse['organizations'][number];

export const searchOrganizations = async (search: string) =>
  (await api.sys.organizations(search || undefined)).organizations;

export const organizationsQueryOptions = (search: string) =>
  queryOptions({
    queryKey: queryKeys.organizations.search(search),
    queryFn: () => searchOrganizations(search),
  });

/** Organizations by name, at most 50; the previous answer stays while the next loads. */
export function useOrganizations(search: string) {
  return useQuery({ ...organizationsQueryOptions(search), placeholderData: keepPreviousData });
}
