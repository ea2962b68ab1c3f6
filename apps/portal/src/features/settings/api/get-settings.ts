import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

export const getSettings = async () => (await api.sys.settings()).settings;

export const settingsQueryOptions = () =>
  queryOptions({ queryKey: queryKeys.settings.global(), queryFn: getSettings });

/** The global switches and limits (operator door, one-click links, login tokens). */
export function useSettings() {
  return useQuery(settingsQueryOptions());
}
