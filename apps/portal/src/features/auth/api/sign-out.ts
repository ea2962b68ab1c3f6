import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { tabs } from '../../../lib/auth/other-tabs.ts';

export const signOut = () => api.auth.signOut();

export function useSignOut() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signOut,
    // The sign-in page loads the (now empty) session itself once it is shown; the other tabs
    // read theirs again, and find it ended.
    onSuccess: () => {
      queryClient.clear();
      tabs.announce();
    },
  });
}
