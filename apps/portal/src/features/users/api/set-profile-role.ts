import type { SetProfileRoleBody } from '@onbehalf/contracts/users';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const setProfileRole = ({
  profileId,
  body,
}: {
  profileId: number;
  body: SetProfileRoleBody;
}) => api.sys.setProfileRole(profileId, body);

/** A superadmin sets a profile's role, with a reason; the role's preset permissions come with it. */
export function useSetProfileRole() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: setProfileRole,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
