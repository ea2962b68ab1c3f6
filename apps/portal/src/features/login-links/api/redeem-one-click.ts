import type { OneClickBody } from '@onbehalf/contracts/login-links';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
// The session query is the shared auth context, so other features may use it.
import { startFreshSession } from '../../../lib/auth/session.ts';

/** Continue: redeems the link (once) and signs in; the server sets the session cookie. */
export const redeemOneClick = (body: OneClickBody) => api.links.redeemOneClick(body);

export function useRedeemOneClick() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: redeemOneClick,
    // Someone else from now on: nothing cached for the previous identity may show. The
    // response's token is for bearer clients and is dropped.
    onSuccess: async () => {
      await startFreshSession(queryClient);
    },
  });
}
