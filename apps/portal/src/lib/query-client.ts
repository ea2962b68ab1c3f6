import { isApiError } from '@onbehalf/api-client/api-error';
import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { queryKeys } from './query-keys.ts';

interface QueryClientOptions {
  /** Called once when a request made while signed in comes back 401: the session is gone. */
  onSessionEnded: () => void;
}

export function createQueryClient({ onSessionEnded }: QueryClientOptions): QueryClient {
  // A 401 only means "your session ended" if we held a session a moment ago; signed-out
  // visitors get 401s as ordinary answers (and a wrong password is a 401 too).
  const handleError = (error: unknown) => {
    if (!isApiError(error) || error.status !== 401 || error.code === 'invalid_credentials') return;
    if (!client.getQueryData(queryKeys.auth.session())) return;
    onSessionEnded();
  };

  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: handleError }),
    mutationCache: new MutationCache({ onError: handleError }),
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Client errors (401, 403, 404, 422…) will not change on a retry; network hiccups may.
        retry: (failureCount, error) =>
          failureCount < 2 && !(isApiError(error) && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
  return client;
}
