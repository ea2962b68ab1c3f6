import { and, desc, eq, getTableColumns, lt } from 'drizzle-orm';
import type { OutboxStore } from '../../features/outbox/outbox.store.ts';
import { recordRepeatable } from './audit-repeats.ts';
import type { SqliteContext } from './context.ts';
import { outboxMessages } from './schema/outbox.ts';

// The page never reads the sealed whole message: only test mode's mailbox opens it.
const { sealed: _whole, ...readable } = getTableColumns(outboxMessages);

export function sqliteOutbox({ db }: SqliteContext): OutboxStore {
  return {
    async page({ to, before, limit }) {
      return db
        .select(readable)
        .from(outboxMessages)
        .where(
          and(
            to !== null ? eq(outboxMessages.to, to) : undefined,
            before !== null ? lt(outboxMessages.id, before) : undefined,
          ),
        )
        .orderBy(desc(outboxMessages.id))
        .limit(limit)
        .all();
    },

    async keep({ message, keepSince }) {
      db.transaction((tx) => {
        tx.delete(outboxMessages).where(lt(outboxMessages.createdAt, keepSince)).run();
        tx.insert(outboxMessages).values(message).run();
      });
    },

    async recordRead({ audit, meta }) {
      recordRepeatable(db, audit, 'read', meta);
    },
  };
}
