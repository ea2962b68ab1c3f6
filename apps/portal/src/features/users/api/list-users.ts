import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const listUsers = async (search: string) =>
  (await api.sys.users(search ? { query: search } : {})).users;

export const usersQueryOptions = (search: string) =>
  queryOptions({ queryKey: queryKeys.users.list(search), queryFn: () => listUsers(search) });

/** Admin › Users, searched by name or email; the last results stay up while a new search loads. */
export function useUsers(search: string) {
  return useQuery({ ...usersQueryOptions(search), placeholderData: keepPreviousData });
}
