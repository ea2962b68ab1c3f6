import type { AdminUser, AdminUsersResponse } from '@onbehalf/contracts/users';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of users in name order; `search` finds them by name, email or organization. */
export const listUsers = (search: string, page: PageRequest) =>
  api.sys.users(search ? { ...page, query: search } : page);

export const usersQueryOptions = (search: string) =>
  pagedQueryOptions(queryKeys.users.list(search), (page) => listUsers(search, page));

const usersOf = (page: AdminUsersResponse) => page.users;
const userId = (user: AdminUser) => user.id;

/** Admin › Users, a page at a time; the last results stay up while a new search loads. */
export function useUsers(search: string) {
  return usePagedList(usersQueryOptions(search), usersOf, userId);
}
