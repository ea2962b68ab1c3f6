import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const listMembers = () => api.team.members();

export const membersQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.team.members(), queryFn: listMembers });

export function useMembers() {
  return useQuery(membersQueryOptions());
}
