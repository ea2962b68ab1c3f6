import type { RepeatableEntry } from '../../lib/audit-repeat-rows.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

/**
 * The local mail outbox as Admin › Outbox reads it (docs/decisions/019-store-ports.md): pages
 * of messages, and the read itself on the record.
 */
export interface OutboxStore {
  /**
   * Up to `limit` messages, newest first (the higher id first): only those to `to` when given
   * (addresses are stored in lower case), only those older than message `before` when given.
   */
  page(query: {
    to: string | null;
    before: number | null;
    limit: number;
  }): Promise<OutboxMessage[]>;
  /**
   * Records a read of the outbox as a read that may repeat (SPEC §8b): the first by the same
   * actor in a minute is audited at once, the others in that minute are counted and summarised.
   */
  recordRead(command: { audit: RepeatableEntry; meta: RequestMeta }): Promise<void>;
}

/** A message of the outbox: redacted copies of its text and html, the whole of it sealed. */
export interface OutboxMessage {
  id: number;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  kind: string;
  sealed: string | null;
  createdAt: number;
}
