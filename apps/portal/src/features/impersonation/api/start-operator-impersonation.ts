import type { OperatorImpersonateQuery } from '@onbehalf/contracts/impersonation';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
// The session query is the shared auth context, so other features may use it.
import { startFreshSession } from '../../auth/api/get-session.ts';
import { exchangeHandoff } from './exchange-handoff.ts';

/** Operator door (Admin › Users): reason required; a hand-off token, exchanged at once. */
export async function startOperatorImpersonation(input: OperatorImpersonateQuery) {
  const { token } = await api.impersonation.operatorHandoff(input);
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
