import type { CoworkerProfile, ProfilesResponse } from '@onbehalf/contracts/profiles';
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/**
 * The caller's own profiles (the first page always carries all of them) and at most one
 * coworker: enough to tell whether a team admin has anyone to sign in as, without loading a
 * page of a large organization on every visit.
 */
export const listProfiles = async () => (await api.profiles.list({ limit: 1 })).Profiles;

export const profilesQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.profiles.own(), queryFn: listProfiles });

interface OwnProfilesOptions {
  /** Keep showing the last list while it reloads (only safe for the same person's profiles). */
  keepPrevious?: boolean;
}

/** The caller's own profiles. */
export function useOwnProfiles({ keepPrevious = false }: OwnProfilesOptions = {}) {
  return useQuery({
    ...profilesQueryOptions(),
    select: (profiles) => profiles.filter((p) => p.IsOwn),
    placeholderData: keepPrevious ? keepPreviousData : undefined,
  });
}

/** Whether the caller has coworkers to sign in as (a team admin in an organization of others). */
export function useHasCoworkers() {
  return useQuery({
    ...profilesQueryOptions(),
    select: (profiles) => profiles.some((p) => !p.IsOwn),
  });
}

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
