import type { UpdateTeamSettingsBody } from '@onbehalf/contracts/team';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const updateTeamSettings = async (body: UpdateTeamSettingsBody) =>
  (await api.team.updateSettings(body)).settings;

export function useUpdateTeamSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateTeamSettings,
    // The whole team branch: the settings, and the members' "Impersonate account" verdicts
    // that depend on them.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.team.all }),
  });
}
