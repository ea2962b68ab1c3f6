import type {
  CreatedLoginToken,
  CreateLoginTokenBody,
  SentLoginToken,
} from '@onbehalf/contracts/login-links';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/**
 * What Save made: a token emailed to its person (where it went, never the URL), or one handed
 * over (support, integration, guest) whose URL is shown once and never cached.
 */
export type MadeLoginToken =
  | ({ delivery: 'email' } & SentLoginToken)
  | ({ delivery: 'handover' } & CreatedLoginToken);

export async function createLoginToken(body: CreateLoginTokenBody): Promise<MadeLoginToken> {
  if (body.use === 'email') return { delivery: 'email', ...(await api.loginTokens.email(body)) };
  return { delivery: 'handover', ...(await api.loginTokens.create(body)) };
}

export function useCreateLoginToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createLoginToken,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.loginTokens.all }),
  });
}
