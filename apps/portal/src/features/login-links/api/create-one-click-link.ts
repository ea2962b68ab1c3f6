import type { CreateOneClickLinkBody } from '@onbehalf/contracts/login-links';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';

/** Admin › Users: a one-click link for a customer, shown once. Nothing cached changes. */
export const createOneClickLink = (body: CreateOneClickLinkBody) => api.sys.oneClickLink(body);

export function useCreateOneClickLink() {
  return useMutation({ mutationFn: createOneClickLink });
}
