import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const listSessions = async () => (await api.auth.sessions()).sessions;

export const sessionsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.auth.sessions(), queryFn: listSessions });

export function useSessions() {
  return useQuery(sessionsQueryOptions());
}
