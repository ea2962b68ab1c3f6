import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
// The session query is the shared auth context, so other features may use it.
import { startFreshSession } from '../../../lib/auth/session.ts';

/** Continue: signs in with the token; the server sets the session cookie. */
export const redeemLoginToken = (token: string) => api.links.redeemLoginToken(token);

export function useRedeemLoginToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: redeemLoginToken,
    // Someone else from now on (perhaps a guest): nothing cached before may show.
    onSuccess: async () => {
      await startFreshSession(queryClient);
    },
  });
}
