import type {
  AccountCredential,
  AccountCredentials,
  CredentialHolder,
} from '@onbehalf/contracts/login-links';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/**
 * A page of the live sign-in links and login tokens anyone made for me, newest made first;
 * only those one holder holds when `heldBy` is given.
 */
export const listCredentials = (heldBy: CredentialHolder | undefined, page: PageRequest) =>
  api.account.credentials({ ...page, heldBy });

export const credentialsQueryOptions = (heldBy?: CredentialHolder) =>
  pagedQueryOptions(queryKeys.account.credentialsHeldBy(heldBy ?? ''), (page) =>
    listCredentials(heldBy, page),
  );

const credentialsOf = (page: AccountCredentials) => page.credentials;
const credentialId = (credential: AccountCredential) => `${credential.kind}:${credential.id}`;

/** The live ones made for me, a page at a time ("Load more"). */
export function useCredentials(heldBy?: CredentialHolder) {
  return usePagedList(credentialsQueryOptions(heldBy), credentialsOf, credentialId);
}
