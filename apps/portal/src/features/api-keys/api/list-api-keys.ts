import type { ApiKeyList, ApiKeySummary } from '@onbehalf/contracts/login-links';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of the API keys, newest first. */
export const listApiKeys = (page: PageRequest) => api.apiKeys.list(page);

export const apiKeysQueryOptions = () => pagedQueryOptions(queryKeys.apiKeys.list(), listApiKeys);

const keysOf = (page: ApiKeyList) => page.keys;
const keyId = (key: ApiKeySummary) => key.id;

/** The API keys, a page at a time ("Load more"). */
export function useApiKeys() {
  return usePagedList(apiKeysQueryOptions(), keysOf, keyId);
}
