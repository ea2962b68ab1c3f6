import type {
  LoginTokenList,
  LoginTokenState,
  LoginTokenSummary,
} from '@onbehalf/contracts/login-links';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

export interface LoginTokenFilters {
  /** Name, email or organization. */
  query: string;
  /** Empty for every state. */
  state: LoginTokenState | '';
}

export const listLoginTokens = ({ query, state }: LoginTokenFilters, page: PageRequest) =>
  api.loginTokens.list({ ...page, query: query || undefined, state: state || undefined });

export const loginTokensQueryOptions = (filters: LoginTokenFilters) =>
  pagedQueryOptions(queryKeys.loginTokens.list(filters), (page) => listLoginTokens(filters, page));

const tokensOf = (page: LoginTokenList) => page.tokens;
const tokenId = (token: LoginTokenSummary) => token.id;

/** Backoffice › Login Tokens, a page at a time; the last results stay up while a new search loads. */
export function useLoginTokens(filters: LoginTokenFilters) {
  return usePagedList(loginTokensQueryOptions(filters), tokensOf, tokenId);
}
