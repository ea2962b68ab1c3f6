import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';

/** How often an open outbox looks for new mail: a QA flow waits on it for a link. */
export const OUTBOX_REFETCH_MS = 5_000;

export const listOutbox = async (to: string) => (await api.sys.outbox(to ? { to } : {})).messages;

export const outboxQueryOptions = (to: string) =>
  queryOptions({ queryKey: queryKeys.outbox.list(to), queryFn: () => listOutbox(to) });

/** Admin › Outbox, newest first, optionally for one recipient; polled while the page is open. */
export function useOutbox(to: string) {
  return useQuery({
    ...outboxQueryOptions(to),
    placeholderData: keepPreviousData,
    refetchInterval: OUTBOX_REFETCH_MS,
  });
}
