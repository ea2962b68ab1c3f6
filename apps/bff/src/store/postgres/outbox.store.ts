import { and, desc, eq, getTableColumns, lt } from 'drizzle-orm';
import type { OutboxStore } from '../../features/outbox/outbox.store.ts';
import { recordRepeatable } from './audit-repeats.ts';
import { transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { isIntegerId } from './integer-id.ts';
import { outboxMessages } from './schema.ts';

// The page never reads the sealed whole message: only test mode's mailbox opens it.
const { sealed: _whole, ...readable } = getTableColumns(outboxMessages);

export function postgresOutbox({ db, auditKey }: PostgresContext): OutboxStore {
  return {
    async page({ to, before, limit }) {
      // A cursor may carry any safe integer; ids beyond the column's range compare as on SQLite:
      // every message is older than a bound above it, none older than one below it.
      const outOfRange = before !== null && !isIntegerId(before);
      if (outOfRange && before < 0) return [];
      return db
        .select(readable)
        .from(outboxMessages)
        .where(
          and(
            to !== null ? eq(outboxMessages.to, to) : undefined,
            before !== null && !outOfRange ? lt(outboxMessages.id, before) : undefined,
          ),
        )
        .orderBy(desc(outboxMessages.id))
        .limit(limit);
    },

    async keep({ message, keepSince }) {
      await transaction(db, async (tx) => {
        await tx.delete(outboxMessages).where(lt(outboxMessages.createdAt, keepSince));
        await tx.insert(outboxMessages).values(message);
      });
    },

    async recordRead({ audit, meta }) {
      await recordRepeatable(db, auditKey, audit, 'read', meta);
    },
  };
}
