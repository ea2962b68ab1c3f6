import type { OperatorImpersonateQuery } from '@onbehalf/contracts/impersonation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
// The session query is the shared auth context, so other features may use it.
import { startFreshSession } from '../../../lib/auth/session.ts';
import { exchangeHandoff } from './exchange-handoff.ts';
import { startHandover } from './start-handover.ts';

export interface StartOperatorImpersonationInput extends OperatorImpersonateQuery {
  /**
   * Through a one-click link handed over to the operator (SPEC §4b), for those who may make
   * links; otherwise through the operator door's hand-off token. Same rules, same result.
   */
  handover: boolean;
}

/** "Sign in as…" (Admin › Users): reason required; the impersonation starts at once. */
export async function startOperatorImpersonation({
  handover,
  ...query
}: StartOperatorImpersonationInput) {
  if (handover) return startHandover(query);
  const { token } = await api.impersonation.operatorHandoff(query);
  return exchangeHandoff(token);
}

export function useStartOperatorImpersonation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: startOperatorImpersonation,
    // Someone else from now on: nothing cached for the operator may show under their name.
    onSuccess: async () => {
      await startFreshSession(queryClient);
    },
  });
}
