import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const listApiKeys = async () => (await api.apiKeys.list()).keys;

export const apiKeysQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.apiKeys.list(), queryFn: listApiKeys });

export function useApiKeys() {
  return useQuery(apiKeysQueryOptions());
}
