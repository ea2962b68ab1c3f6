import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const listProfiles = async () => (await api.profiles.list()).Profiles;

export const profilesQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.profiles.list(), queryFn: listProfiles });

interface OwnProfilesOptions {
  /** Keep showing the last list while it reloads (only safe for the same person's profiles). */
  keepPrevious?: boolean;
}

/** The caller's own profiles (the API also lists coworkers an admin may act for). */
export function useOwnProfiles({ keepPrevious = false }: OwnProfilesOptions = {}) {
  return useQuery({
    ...profilesQueryOptions(),
    select: (profiles) => profiles.filter((p) => p.IsOwn),
    placeholderData: keepPrevious ? keepPreviousData : undefined,
  });
}

/** The coworkers a team admin may sign in as (each says whether they may, and why not). */
export function useCoworkers() {
  return useQuery({
    ...profilesQueryOptions(),
    select: (profiles) => profiles.filter((p) => !p.IsOwn),
  });
}
