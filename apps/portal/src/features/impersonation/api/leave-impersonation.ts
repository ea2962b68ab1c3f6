import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
// The session query is the shared auth context, so other features may use it.
import { startFreshSession } from '../../../lib/auth/session.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const leaveImpersonation = () => api.impersonation.leave();

export function useLeaveImpersonation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: leaveImpersonation,
    // Back to the actor's own (untouched) session: drop everything cached as the target.
    onSuccess: async () => {
      await startFreshSession(queryClient);
    },
    // Most likely it had already ended (time limit, rights lost): the session says so.
    onError: () => queryClient.invalidateQueries({ queryKey: queryKeys.auth.session() }),
  });
}
