import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const getTeamSettings = async () => (await api.team.settings()).settings;

export const teamSettingsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.team.settings(), queryFn: getTeamSettings });

export function useTeamSettings() {
  return useQuery(teamSettingsQueryOptions());
}
