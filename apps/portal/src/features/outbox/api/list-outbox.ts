import type { OutboxMessage, OutboxResponse } from '@onbehalf/contracts/email-links';
import { api } from '../../../lib/api.ts';
import { queryKeys } from '../../../lib/query-keys.ts';
import { type PageRequest, pagedQueryOptions, usePagedList } from '../../../lib/use-paged-list.ts';

/** How often an open outbox looks for new mail: a QA flow waits on it for a link. */
export const OUTBOX_REFETCH_MS = 5_000;

/** A page of the outbox, newest first, optionally for one recipient (the whole address). */
export const listOutbox = (to: string, page: PageRequest) =>
  api.sys.outbox(to ? { ...page, query: to } : page);

export const outboxQueryOptions = (to: string) =>
  pagedQueryOptions(queryKeys.outbox.list(to), (page) => listOutbox(to, page));

const messagesOf = (page: OutboxResponse) => page.messages;
const messageId = (message: OutboxMessage) => message.id;

/** Admin › Outbox, a page at a time; the pages shown are polled while the page is open. */
export function useOutbox(to: string) {
  return usePagedList(outboxQueryOptions(to), messagesOf, messageId, {
    refetchInterval: OUTBOX_REFETCH_MS,
  });
}
