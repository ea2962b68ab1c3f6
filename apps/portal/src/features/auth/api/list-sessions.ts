import type { SessionList, SessionListItem } from '@onbehalf/contracts/auth';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of my live sessions, newest first; `search` finds them by name, device or address. */
export const listSessions = (search: string, page: PageRequest) =>
  api.auth.sessions(search ? { ...page, query: search } : page);

export const sessionsQueryOptions = (search: string) =>
  pagedQueryOptions(queryKeys.auth.sessionsFound(search), (page) => listSessions(search, page));

const sessionsOf = (page: SessionList) => page.sessions;
const sessionId = (session: SessionListItem) => session.id;

/** My sessions, a page at a time ("Load more"). */
export function useSessions(search: string) {
  return usePagedList(sessionsQueryOptions(search), sessionsOf, sessionId);
}
