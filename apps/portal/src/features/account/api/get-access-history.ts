import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const getAccessHistory = async () => (await api.account.accessHistory()).entries;

export const accessHistoryQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.account.accessHistory(), queryFn: getAccessHistory });

export function useAccessHistory() {
  return useQuery(accessHistoryQueryOptions());
}
