import type { TeamMember, TeamMembersResponse } from '@onbehalf/contracts/team';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of the team in name order; `search` finds members by name or email. */
export const listMembers = (search: string, page: PageRequest) =>
  api.team.members(search ? { ...page, query: search } : page);

export const membersQueryOptions = (search: string) =>
  pagedQueryOptions(queryKeys.team.members(search), (page) => listMembers(search, page));

const membersOf = (page: TeamMembersResponse) => page.members;
const memberId = (member: TeamMember) => member.profileId;

/** The team a page at a time ("Load more"), searched by name or email. */
export function useMembers(search: string) {
  return usePagedList(membersQueryOptions(search), membersOf, memberId);
}
