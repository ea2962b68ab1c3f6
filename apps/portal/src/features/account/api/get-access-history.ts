import type { AccessHistoryEntry, AccessHistoryResponse } from '@onbehalf/contracts/impersonation';
import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/**
 * A page of who signed in as me (`entries`, newest first); the first page also says which
 * integrations were given a way in (`integrations`).
 */
export const getAccessHistory = (page: PageRequest) => api.account.accessHistory(page);

export const accessHistoryQueryOptions = () =>
  pagedQueryOptions(queryKeys.account.accessHistory(), getAccessHistory);

const entriesOf = (page: AccessHistoryResponse) => page.entries;
const entryId = (entry: AccessHistoryEntry) => entry.id;

/** Who signed in as me, a page at a time ("Load more"). */
export function useAccessHistory() {
  return usePagedList(accessHistoryQueryOptions(), entriesOf, entryId);
}

/** The integrations given a way to sign me in: the first page's, read from the same query. */
export function useIntegrationAccess() {
  const query = useInfiniteQuery(accessHistoryQueryOptions());
  return query.data?.pages[0]?.integrations;
}
