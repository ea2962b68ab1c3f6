import type { UpdateTeamMemberBody } from '@onbehalf/contracts/team';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export interface UpdateMemberInput {
  profileId: number;
  changes: UpdateTeamMemberBody;
}

export const updateMember = ({ profileId, changes }: UpdateMemberInput) =>
  api.team.updateMember(profileId, changes);

export function useUpdateMember() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateMember,
    // Not optimistic: the server decides, then the list is reloaded from it.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.team.all }),
    // A refusal may mean our own rights changed meanwhile: reload them and the list.
    onError: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.auth.session() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.team.all }),
      ]),
  });
}
