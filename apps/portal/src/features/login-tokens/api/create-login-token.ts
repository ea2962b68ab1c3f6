import type { CreateLoginTokenBody } from '@onbehalf/contracts/login-links';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** The answer carries the login URL: shown once, never cached (only its hash is stored). */
export const createLoginToken = (body: CreateLoginTokenBody) => api.loginTokens.create(body);

export function useCreateLoginToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createLoginToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.loginTokens.all }),
  });
}
