import type { UpdateUserBody } from '@onbehalf/contracts/users';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const updateUser = ({ userId, body }: { userId: number; body: UpdateUserBody }) =>
  api.sys.updateUser(userId, body);

/** A superadmin disables or enables a user, or changes an operator's role, with a reason. */
export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.users.all }),
  });
}
