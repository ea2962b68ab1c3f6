import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** Who signed in as me (`entries`), and every integration given a way in (`integrations`). */
export const getAccessHistory = () => api.account.accessHistory();

export const accessHistoryQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.account.accessHistory(), queryFn: getAccessHistory });

export function useAccessHistory() {
  return useQuery(accessHistoryQueryOptions());
}
