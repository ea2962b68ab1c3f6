import type { ChangePasswordBody } from '@onbehalf/contracts/account';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const changePassword = (body: ChangePasswordBody) => api.account.changePassword(body);

export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: changePassword,
    // The server signs the other sessions out, and ends every link and token made for the
    // person (SPEC §4b): both lists, and the history that shows them, are read again.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.auth.sessions() }),
        queryClient.invalidateQueries({ queryKey: queryKeys.account.all }),
      ]),
  });
}
