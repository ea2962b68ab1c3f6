import type {
  AccessHistoryEntry,
  AccessHistoryIntegration,
  AccessHistoryResponse,
  IntegrationAccessResponse,
} from '@onbehalf/contracts/impersonation';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of who signed in as me (`entries`, newest first). */
export const getAccessHistory = (page: PageRequest) => api.account.accessHistory(page);

export const accessHistoryQueryOptions = () =>
  pagedQueryOptions(queryKeys.account.accessHistory(), getAccessHistory);

const entriesOf = (page: AccessHistoryResponse) => page.entries;
const entryId = (entry: AccessHistoryEntry) => entry.id;

/** Who signed in as me, a page at a time ("Load more"). */
export function useAccessHistory() {
  return usePagedList(accessHistoryQueryOptions(), entriesOf, entryId);
}

/** A page of the links and tokens handed to systems to sign me in, newest made first. */
export const getIntegrationAccess = (page: PageRequest) => api.account.integrationAccess(page);

export const integrationAccessQueryOptions = () =>
  pagedQueryOptions(queryKeys.account.integrationAccess(), getIntegrationAccess);

const integrationsOf = (page: IntegrationAccessResponse) => page.integrations;
const integrationId = (line: AccessHistoryIntegration) => `${line.kind}:${line.id}`;

/** The integrations given a way to sign me in, a page at a time ("Load more"). */
export function useIntegrationAccess() {
  return usePagedList(integrationAccessQueryOptions(), integrationsOf, integrationId);
}
