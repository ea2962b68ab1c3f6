import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const getLoginToken = (tokenId: number) => api.loginTokens.details(tokenId);

export const loginTokenQueryOptions = (tokenId: number) =>
  queryOptions({
    queryKey: queryKeys.loginTokens.details(tokenId),
    queryFn: () => getLoginToken(tokenId),
  });

/** One token with its usage counters and every attempt made with it. */
export function useLoginToken(tokenId: number) {
  return useQuery(loginTokenQueryOptions(tokenId));
}
