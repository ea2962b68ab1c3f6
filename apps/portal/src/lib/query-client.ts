import { isApiError } from '@onbehalf/api-client/api-error';
import { hashKey, MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { queryKeys } from './query-keys.ts';

interface QueryClientOptions {
  /** Called once when a request made while signed in comes back 401: the session is gone. */
  onSessionEnded: () => void;
  /**
   * Called when a write was refused because another tab changed who is signed in here (the
   * page showed another session): nothing was done, and the page must catch up. The server's
   * sentence comes along, to tell the person.
   */
  onSessionChanged: (message: string) => void;
}

export function createQueryClient({
  onSessionEnded,
  onSessionChanged,
}: QueryClientOptions): QueryClient {
  // `session_expired` always means the cookie's session ended (expired or revoked). Any other
  // 401 means so only if we held a session a moment ago: signed-out visitors get 401s as
  // ordinary answers, and a wrong password is a 401 too.
  const handleError = (error: unknown) => {
    if (!isApiError(error) || error.status !== 401 || error.code === 'invalid_credentials') return;
    // A write (or a hand-off) sent from an impersonation that has just ended: nothing was done,
    // and the person is back in their own session, which the next read of it shows with why.
    if (error.code === 'impersonation_ended') {
      void client.invalidateQueries({ queryKey: queryKeys.auth.session() });
      return;
    }
    if (error.code === 'session_changed') {
      onSessionChanged(error.message);
      return;
    }
    if (error.code !== 'session_expired' && !client.getQueryData(queryKeys.auth.session())) return;
    onSessionEnded();
  };

  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: handleError }),
    mutationCache: new MutationCache({ onError: handleError }),
    defaultOptions: {
      queries: {
        // Data is refetched whenever a page mounts (staleTime 0, the default): besides keeping
        // it fresh, that is how a session revoked elsewhere is noticed on the next navigation.
        // Client errors (401, 403, 404, 422…) will not change on a retry; network hiccups may.
        retry: (failureCount, error) =>
          failureCount < 2 && !(isApiError(error) && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
  forgetOtherSessionsData(client);
  return client;
}

/**
 * A read of the session that finds another one than the page showed (another tab signed in,
 * switched profile, started or left an impersonation; the portal's own changes start afresh
 * with `startFreshSession`, which empties the cache first): nothing read for the session shown
 * until now may stay on screen under the new one. Every other query starts over, and those a
 * page shows are read again, as the new session.
 */
function forgetOtherSessionsData(client: QueryClient): void {
  const session = hashKey(queryKeys.auth.session());
  let shown: string | undefined;
  client.getQueryCache().subscribe((event) => {
    if (event.query.queryHash !== session) return;
    if (event.type === 'removed') {
      shown = undefined;
      return;
    }
    if (event.type !== 'updated' || event.action.type !== 'success') return;
    const before = shown;
    shown = (event.query.state.data as { id?: string } | null | undefined)?.id;
    if (before !== undefined && shown !== undefined && shown !== before) {
      void client.resetQueries({ predicate: (query) => query.queryHash !== session });
    }
  });
}
