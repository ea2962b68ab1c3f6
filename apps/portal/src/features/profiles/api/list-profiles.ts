import type { CoworkerProfile, ProfilesResponse } from '@onbehalf/contracts/profiles';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** A page of the coworkers a team admin may sign in as; `search` finds them by name or email. */
export const listCoworkers = (search: string, page: PageRequest) =>
  api.profiles.list(search ? { ...page, query: search } : page);

export const coworkersQueryOptions = (search: string) =>
  pagedQueryOptions(queryKeys.profiles.coworkers(search), (page) => listCoworkers(search, page));

// The first page starts with the caller's own profiles; the chooser shows those above.
const coworkersOf = (page: ProfilesResponse) => page.Profiles.filter((p) => !p.IsOwn);
const profileId = (profile: CoworkerProfile) => profile.Id;

/** The coworkers a team admin may sign in as, each saying whether they may, and why not. */
export function useCoworkers(search: string) {
  return usePagedList(coworkersQueryOptions(search), coworkersOf, profileId);
}
