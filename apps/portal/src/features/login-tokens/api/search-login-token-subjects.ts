import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const searchLoginTokenSubjects = async (search: string) =>
  (await api.loginTokens.subjects(search)).candidates;

export const loginTokenSubjectsQueryOptions = (search: string) =>
  queryOptions({
    queryKey: queryKeys.loginTokens.subjects(search),
    queryFn: () => searchLoginTokenSubjects(search),
  });

/** Contacts and customers by name or email, for the New Login Token popup (idle when empty). */
export function useLoginTokenSubjects(search: string) {
  return useQuery({
    ...loginTokenSubjectsQueryOptions(search),
    enabled: search.length > 0,
    placeholderData: keepPreviousData,
  });
}
