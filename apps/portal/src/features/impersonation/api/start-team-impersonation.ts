import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
// The session query is the shared auth context, so other features may use it.
import { startFreshSession } from '../../../lib/auth/session.ts';
import { exchangeHandoff } from './exchange-handoff.ts';

export interface StartTeamImpersonationInput {
  /** The coworker's profile id. */
  coworkerId: number;
  reason?: string;
}

/** Team door: a hand-off token for the coworker, exchanged at once. */
export async function startTeamImpersonation({ coworkerId, reason }: StartTeamImpersonationInput) {
  const { token } = await api.impersonation.teamHandoff(coworkerId, reason?.trim() || undefined);
  return exchangeHandoff(token);
}

export function useStartTeamImpersonation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: startTeamImpersonation,
    // Someone else from now on: nothing cached for the actor may show under their name.
    onSuccess: async () => {
      await startFreshSession(queryClient);
    },
  });
}
