import { isApiError } from '@onbehalf/api-client/api-error';
import type { Session } from '@onbehalf/contracts/auth';
import {
  type QueryClient,
  type QueryFunctionContext,
  queryOptions,
  useQuery,
} from '@tanstack/react-query';
import { api } from '../api.ts';
import { queryKeys } from '../query-keys.ts';
import { withImpersonationEndNotice } from './impersonation-end.ts';
import { tabs } from './other-tabs.ts';

/**
 * The session query is the portal's only record of who is signed in; every feature reads
 * it through `useSession`. `null` means nobody is.
 */
export async function getSession({
  client,
  queryKey,
}: QueryFunctionContext): Promise<Session | null> {
  const previous = client.getQueryData<Session | null>(queryKey);
  try {
    const { session } = await api.auth.session();
    return withImpersonationEndNotice(previous, session);
  } catch (error) {
    // `unauthenticated` for a visitor is simply "signed out". A session that ended (the
    // server says `session_expired`, or we held one until now) is rethrown for the query
    // cache's 401 handler, which clears everything and asks for a new sign-in.
    if (isApiError(error, 'unauthenticated') && !previous) {
      return null;
    }
    throw error;
  }
}

export const sessionQueryOptions = () =>
  queryOptions({
    queryKey: queryKeys.auth.session(),
    queryFn: getSession,
    // Long enough that the layout does not refetch what sign-in just loaded; the pages' own
    // data requests and window focus keep it honest after that.
    staleTime: 5_000,
    // An impersonation can also end on the server's side (the actor lost the right, the
    // setting was switched off): look now and then, so the portal says so soon after.
    refetchInterval: (query) => (query.state.data?.actor ? 30_000 : false),
  });

export function useSession() {
  return useQuery(sessionQueryOptions());
}

/**
 * Called whenever the identity behind the cookie changes (sign-in, profile switch,
 * impersonation started, left or ended): drop
 * every cached answer so nothing of the previous identity can show, then load the new session.
 */
export async function startFreshSession(queryClient: QueryClient): Promise<Session | null> {
  queryClient.clear();
  // The other tabs share the cookie: they read the session again too (other-tabs.ts).
  tabs.announce();
  return queryClient.fetchQuery(sessionQueryOptions());
}
