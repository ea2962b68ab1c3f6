import { ApiError } from '@onbehalf/api-client/api-error';
import { describe, expect, it, vi } from 'vitest';
import { createQueryClient } from './query-client.ts';
import { queryKeys } from './query-keys.ts';

/** A client holding a signed-in session, and how often it was told the session ended. */
function signedIn() {
  const onSessionEnded = vi.fn();
  const onSessionChanged = vi.fn();
  const client = createQueryClient({ onSessionEnded, onSessionChanged });
  client.setQueryData(queryKeys.auth.session(), { session: { user: { id: 1 } } });
  return { client, onSessionEnded, onSessionChanged };
}

const failingWith = (client: ReturnType<typeof createQueryClient>, error: ApiError) =>
  client
    .getMutationCache()
    .build(client, {
      mutationFn: () => Promise.reject(error),
    })
    .execute(undefined)
    .catch(() => undefined);

describe('createQueryClient', () => {
  it('a write refused because the impersonation it came from ended keeps the person signed in and reads the session again', async () => {
    const { client, onSessionEnded } = signedIn();
    await failingWith(client, new ApiError(401, 'impersonation_ended', 'ended'));
    expect(onSessionEnded).not.toHaveBeenCalled();
    expect(client.getQueryState(queryKeys.auth.session())?.isInvalidated).toBe(true);
  });

  it('a write refused because another tab changed who is signed in makes the page catch up, without signing anyone out', async () => {
    const { client, onSessionEnded, onSessionChanged } = signedIn();
    await failingWith(client, new ApiError(401, 'session_changed', 'Another tab changed it.'));
    expect(onSessionEnded).not.toHaveBeenCalled();
    expect(onSessionChanged).toHaveBeenCalledWith('Another tab changed it.');
  });

  it('a session that ended sends the person to sign in', async () => {
    const { client, onSessionEnded } = signedIn();
    await failingWith(client, new ApiError(401, 'session_expired', 'ended'));
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
  });
});
