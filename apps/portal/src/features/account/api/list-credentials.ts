import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** The live sign-in links and login tokens anyone made for me, newest first. */
export const listCredentials = async () => (await api.account.credentials()).credentials;

export const credentialsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.account.credentials(), queryFn: listCredentials });

export function useCredentials() {
  return useQuery(credentialsQueryOptions());
}
