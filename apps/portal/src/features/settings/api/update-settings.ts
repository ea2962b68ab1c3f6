import type { UpdateGlobalSettingsBody } from '@onbehalf/contracts/users';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const updateSettings = async (body: UpdateGlobalSettingsBody) =>
  (await api.sys.updateSettings(body)).settings;

export function useUpdateSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateSettings,
    // The settings themselves, the users' "Impersonate" verdicts that depend on the operator
    // door, and the trail, which now holds a "Settings changed" event.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.settings.all }),
        queryClient.invalidateQueries({ queryKey: queryKeys.users.all }),
        queryClient.invalidateQueries({ queryKey: queryKeys.audit.all }),
      ]),
  });
}
