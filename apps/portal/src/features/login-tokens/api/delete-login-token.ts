import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** Irrecoverable: the secret's hash is wiped; the row, its counts and the audit trail stay. */
export const deleteLoginToken = (tokenId: number) => api.loginTokens.remove(tokenId);

export function useDeleteLoginToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteLoginToken,
    // The details page and every list show the new state.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.loginTokens.all }),
  });
}
