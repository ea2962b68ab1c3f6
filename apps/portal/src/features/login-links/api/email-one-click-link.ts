import type { CreateOneClickLinkBody } from '@onbehalf/contracts/login-links';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/**
 * Admin › Users: a one-click link emailed to the customer (SPEC §4b, delivered). The operator
 * never sees it; the answer says where it went (masked) and until when it works.
 */
export const emailOneClickLink = (body: Omit<CreateOneClickLinkBody, 'delivery'>) =>
  api.sys.emailOneClickLink(body);

export function useEmailOneClickLink() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: emailOneClickLink,
    // The message sits in the outbox (when there is no SMTP server) and the trail has the link.
    onSuccess: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.outbox.all }),
        queryClient.invalidateQueries({ queryKey: queryKeys.audit.all }),
      ]),
  });
}
