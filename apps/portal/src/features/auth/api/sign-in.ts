import type { SignInBody } from '@onbehalf/contracts/auth';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { startFreshSession } from '../../../lib/auth/session.ts';

export const signIn = (body: SignInBody) => api.auth.signIn(body);

export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signIn,
    // The server set a new cookie; the response's token is for bearer clients and is dropped.
    onSuccess: async () => {
      await startFreshSession(queryClient);
    },
  });
}
