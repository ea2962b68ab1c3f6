import type { RepeatableEntry } from '../../lib/audit-repeat-rows.ts';
import type { KeptMessage, MailOutbox } from '../../lib/mail.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';

/**
 * The local mail outbox (docs/decisions/019-store-ports.md): where the mailer keeps messages
 * when there is no SMTP server (`keep`, lib/mail.ts), and what Admin › Outbox reads: pages of
 * messages, and the read itself on the record.
 */
export interface OutboxStore extends MailOutbox {
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

/** A message of the outbox as Admin › Outbox reads it: its text and html with links removed. */
export interface OutboxMessage extends Omit<KeptMessage, 'sealed'> {
  id: number;
}
