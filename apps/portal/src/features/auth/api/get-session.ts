import { isApiError } from '@onbehalf/api-client/api-error';
import type { Session } from '@onbehalf/contracts/auth';
import {
  type QueryClient,
  type QueryFunctionContext,
  queryOptions,
  useQuery,
} from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/**
 * The session query is the portal's only record of who is signed in; every feature reads
 * it through `useSession`. `null` means nobody is.
 */
export async function getSession({
  client,
  queryKey,
}: QueryFunctionContext): Promise<Session | null> {
  try {
    const { session } = await api.auth.session();
    return session;
  } catch (error) {
    // `unauthenticated` for a visitor is simply "signed out". A session that ended (the
    // server says `session_expired`, or we held one until now) is rethrown for the query
    // cache's 401 handler, which clears everything and asks for a new sign-in.
    if (isApiError(error, 'unauthenticated') && !client.getQueryData<Session | null>(queryKey)) {
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
  });

export function useSession() {
  return useQuery(sessionQueryOptions());
}

/**
 * Called whenever the identity behind the cookie changes (sign-in, profile switch): drop
 * every cached answer so nothing of the previous identity can show, then load the new session.
 */
export async function startFreshSession(queryClient: QueryClient): Promise<Session | null> {
  queryClient.clear();
  return queryClient.fetchQuery(sessionQueryOptions());
}
