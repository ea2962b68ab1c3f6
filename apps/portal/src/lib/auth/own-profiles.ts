import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { queryKeys } from '../query-keys.ts';

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
