import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
// The session query is the shared auth context, so other features may use it.
import { startFreshSession } from '../../../lib/auth/session.ts';

export const switchProfile = (profileId: number) => api.profiles.switchTo(profileId);

export function useSwitchProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: switchProfile,
    // A new session under a new identity: nothing cached for the old profile may survive.
    onSuccess: async () => {
      await startFreshSession(queryClient);
    },
  });
}
