import type { OneClickBody } from '@onbehalf/contracts/login-links';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { previewQueryDefaults } from '../link-outcome.ts';

/** Whose account a one-click link opens, and whether it still works. Never redeems it. */
export const previewOneClick = (body: OneClickBody) => api.links.previewOneClick(body);

export const oneClickPreviewQueryOptions = (body: { userId: number; hash: string }) =>
  queryOptions({
    queryKey: queryKeys.loginLinks.oneClickPreview(body.userId, body.hash),
    queryFn: () => previewOneClick(body),
    ...previewQueryDefaults,
  });

/** `enabled` goes off once Continue is pressed: a look after redemption would count as a failure. */
export function useOneClickPreview(
  body: { userId: number; hash: string } | null,
  enabled: boolean,
) {
  return useQuery({
    ...oneClickPreviewQueryOptions(body ?? { userId: 0, hash: '' }),
    enabled: enabled && body !== null,
  });
}
