import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

interface EmailSignInLinkInput {
  userId: number;
  reason: string;
}

/** Admin › Users: support emails a customer a sign-in link that names the operator and reason. */
export const emailSignInLink = ({ userId, reason }: EmailSignInLinkInput) =>
  api.sys.emailSignInLink(userId, reason);

export function useEmailSignInLink() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: emailSignInLink,
    // The message sits in the outbox (when there is no SMTP server) and the trail has the link.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.outbox.all }),
        queryClient.invalidateQueries({ queryKey: queryKeys.audit.all }),
      ]),
  });
}
