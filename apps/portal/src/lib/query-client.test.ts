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

  it('a session read that finds another session than the page showed forgets what was read for the one before', () => {
    const { client } = signedIn();
    const orders = ['orders', 'list'];
    client.setQueryData(queryKeys.auth.session(), { id: 'acme' });
    client.setQueryData(orders, ['SO-1 placed at Acme']);
    // The same session read again: nothing is forgotten.
    client.setQueryData(queryKeys.auth.session(), { id: 'acme', user: { id: 1 } });
    expect(client.getQueryData(orders)).toEqual(['SO-1 placed at Acme']);
    // Another tab switched to Globex: Acme's orders do not stay on screen under it.
    client.setQueryData(queryKeys.auth.session(), { id: 'globex' });
    expect(client.getQueryData(orders)).toBeUndefined();
    expect(client.getQueryData(queryKeys.auth.session())).toEqual({ id: 'globex' });
  });

  it('the portal’s own change of session, which empties the cache first, keeps what was read after it', () => {
    const { client } = signedIn();
    client.setQueryData(queryKeys.auth.session(), { id: 'admin' });
    client.clear();
    const orders = ['orders', 'list'];
    client.setQueryData(orders, ['read as the member']);
    client.setQueryData(queryKeys.auth.session(), { id: 'member' });
    expect(client.getQueryData(orders)).toEqual(['read as the member']);
  });
});
