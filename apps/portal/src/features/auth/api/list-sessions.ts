import type { SessionList, SessionListItem } from '@onbehalf/contracts/auth';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of my live sessions, newest first. */
export const listSessions = (page: PageRequest) => api.auth.sessions(page);

export const sessionsQueryOptions = () =>
  pagedQueryOptions(queryKeys.auth.sessions(), listSessions);

const sessionsOf = (page: SessionList) => page.sessions;
const sessionId = (session: SessionListItem) => session.id;

/** My sessions, a page at a time ("Load more"). */
export function useSessions() {
  return usePagedList(sessionsQueryOptions(), sessionsOf, sessionId);
}
