import type { LoginAttempt, LoginTokenDetails } from '@onbehalf/contracts/login-links';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A token with its usage counters, and a page of its attempts, newest first. */
export const getLoginToken = (tokenId: number, page: PageRequest) =>
  api.loginTokens.details(tokenId, page);

export const loginTokenQueryOptions = (tokenId: number) =>
  pagedQueryOptions(queryKeys.loginTokens.details(tokenId), (page) => getLoginToken(tokenId, page));

/** One token with its usage counters, as its first page gave it. */
export function useLoginToken(tokenId: number) {
  const query = useInfiniteQuery(loginTokenQueryOptions(tokenId));
  return { ...query, token: query.data?.pages[0]?.token };
}

const attemptsOf = (page: LoginTokenDetails) => page.attempts;
const attemptId = (attempt: LoginAttempt) => attempt.id;

/** Every attempt made with the token, a page at a time ("Load more"). */
export function useLoginAttempts(tokenId: number) {
  return usePagedList(loginTokenQueryOptions(tokenId), attemptsOf, attemptId);
}
