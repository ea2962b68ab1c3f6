import type { CreateApiKeyBody } from '@onbehalf/contracts/login-links';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** The answer carries the secret: shown once, never cached (only its hash is stored). */
export const createApiKey = (body: CreateApiKeyBody) => api.apiKeys.create(body);

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createApiKey,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.apiKeys.all }),
  });
}
