import { useMutation } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';

/**
 * Sign-in page: "Email me a sign-in link". Nobody is signed in and nothing cached changes;
 * the answer is the same whether or not the address has an account.
 */
export const requestEmailLink = (email: string) => api.links.requestEmailLink(email);

export function useRequestEmailLink() {
  return useMutation({ mutationFn: requestEmailLink });
}
