import type { AccountCredential, AccountCredentials } from '@onbehalf/contracts/login-links';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of the live sign-in links and login tokens anyone made for me, newest made first. */
export const listCredentials = (page: PageRequest) => api.account.credentials(page);

export const credentialsQueryOptions = () =>
  pagedQueryOptions(queryKeys.account.credentials(), listCredentials);

const credentialsOf = (page: AccountCredentials) => page.credentials;
const credentialId = (credential: AccountCredential) => `${credential.kind}:${credential.id}`;

/** The live ones made for me, a page at a time ("Load more"). */
export function useCredentials() {
  return usePagedList(credentialsQueryOptions(), credentialsOf, credentialId);
}
