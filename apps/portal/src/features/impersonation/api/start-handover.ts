import { isApiError } from '@onbehalf/api-client/api-error';
import type { OperatorImpersonateQuery } from '@onbehalf/contracts/impersonation';
import { api } from '../../../lib/api.ts';
import { oneClickLinkOf } from '../../../lib/one-click-link.ts';

/**
 * The session a handover starts never outlives its link (SPEC §4b), so the link asks for as
 * long as an impersonation may last. Where the settings let links live less, it takes their
 * default instead (the server refuses the longer one before making anything).
 */
const HANDOVER_MINUTES = 60;

/**
 * "Sign in as…" for an operator who makes sign-in links: a one-click link handed over to
 * themselves (reason required, the operator door's rules), opened at once in this same
 * browser. Opening it is the impersonation: only its maker, signed in, can; the server sets
 * the impersonation cookie and answers with the impersonation's session.
 */
export async function startHandover(input: OperatorImpersonateQuery) {
  const link = {
    userId: input.userId,
    profileId: input.profileId,
    reason: input.reason,
    ticket: input.ticket,
    delivery: 'handover' as const,
  };
  const { url } = await api.sys
    .oneClickLink({ ...link, expiresInMinutes: HANDOVER_MINUTES })
    .catch((error: unknown) => {
      const tooLong =
        isApiError(error, 'validation_failed') &&
        error.issues.some((issue) => issue.path === 'expiresInMinutes');
      if (tooLong) return api.sys.oneClickLink(link);
      throw error;
    });
  const parts = oneClickLinkOf(url);
  if (!parts) throw new Error('The server handed over something that is not a one-click link.');
  return api.links.redeemOneClick(parts);
}
