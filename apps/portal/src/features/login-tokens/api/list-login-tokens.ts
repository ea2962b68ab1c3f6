import type { LoginTokenState } from '@onbehalf/contracts/login-links';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface LoginTokenFilters {
  /** Name, email or organization. */
  query: string;
  /** Empty for every state. */
  state: LoginTokenState | '';
}

export const listLoginTokens = async ({ query, state }: LoginTokenFilters) =>
  (await api.loginTokens.list({ query: query || undefined, state: state || undefined })).tokens;

export const loginTokensQueryOptions = (filters: LoginTokenFilters) =>
  queryOptions({
    queryKey: queryKeys.loginTokens.list(filters),
    queryFn: () => listLoginTokens(filters),
  });

/** Backoffice › Login Tokens; the last results stay up while a new search loads. */
export function useLoginTokens(filters: LoginTokenFilters) {
  return useQuery({ ...loginTokensQueryOptions(filters), placeholderData: keepPreviousData });
}
