import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const setImpersonationPreference = (allowTeamImpersonation: boolean) =>
  api.account.setImpersonationPreference(allowTeamImpersonation);

export function useSetImpersonationPreference() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setImpersonationPreference,
    // The profiles list carries the preference (`AllowTeamImpersonation`).
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.profiles.all }),
  });
}
