import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const revokeCredential = ({ kind, id }: { kind: CredentialKind; id: string }) =>
  api.account.revokeCredential(kind, id);

export function useRevokeCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeCredential,
    // The list loses it; the access history shows an integration's as revoked, and the
    // sessions it opened for a system are gone.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.account.all }),
        queryClient.invalidateQueries({ queryKey: queryKeys.auth.sessions() }),
      ]),
  });
}
