import { eq, sql } from 'drizzle-orm';
import {
  type AuditEntry,
  EVENT_COLUMNS,
  eventRow,
  keyedHash,
  storedPayload,
} from '../../lib/audit-event.ts';
import { countersOf } from '../../lib/hot-counters.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { placeholdersFor } from '../placeholders.ts';
import { finishWith, type PgTx } from './client.ts';
import { prepared, setTo } from './prepared.ts';
import { auditEvents, auditHead } from './schema.ts';

/**
 * Appends one event in the transaction of the change it records. The chain's head row is
 * locked first (`SELECT … FOR UPDATE`), so appends from every process and connection are
 * serialised in the database: each event links to the one committed before it, and event ids
 * follow the chain's order. Held until the transaction ends, as the change's own locks are, so
 * what happens under it is kept short: the read of the head, then one statement.
 */
export async function appendAudit(
  tx: PgTx,
  key: Buffer,
  entry: AuditEntry,
  meta: RequestMeta,
): Promise<void> {
  const [head] = await lockHead(tx).execute();
  await appendAfterLock(tx, key, head, entry, meta);
}

/** The chain's head as `SELECT … FOR UPDATE` returns it. */
export interface LockedHead {
  lastHash: string;
}

/**
 * `appendAudit` for a transaction that has locked the head (`SELECT last_hash FROM audit_head
 * WHERE id = 1 FOR UPDATE`) at the end of a statement that did the command's last writes too:
 * one round trip less, and the head held no longer than by `appendAudit`. The append itself is
 * awaited with the transaction's COMMIT (`finishWith`), its failure failing the transaction.
 */
export async function appendAfterLock(
  tx: PgTx,
  key: Buffer,
  head: LockedHead | undefined,
  entry: AuditEntry,
  meta: RequestMeta,
): Promise<void> {
  if (!head) throw new Error('The audit chain head row is missing: migrations were not applied');
  const { row } = eventRow(entry, meta);
  const hash = keyedHash(key, head.lastHash, storedPayload(row));
  // Sent with the transaction's COMMIT when it is the command's last statement (`finishWith`);
  // a statement after it runs after it, and an append after it reads the head it moved.
  await finishWith(
    tx,
    append(tx)
      .execute({ ...row, prevHash: head.lastHash, hash, keyed: true })
      .then(() => {
        countersOf(key).auditAppends++;
      }),
  );
}

const lockHead = prepared((db) =>
  db
    .select({ lastHash: auditHead.lastHash })
    .from(auditHead)
    .where(eq(auditHead.id, 1))
    .for('update')
    .prepare('audit_head_lock'),
);

/** The event and the head's move in one statement: one round trip less while the head is held. */
const append = prepared((db) => {
  const inserted = db
    .$with('inserted')
    .as(
      db
        .insert(auditEvents)
        .values(placeholdersFor(EVENT_COLUMNS))
        .returning({ id: auditEvents.id }),
    );
  return db
    .with(inserted)
    .update(auditHead)
    .set({
      lastId: sql`(SELECT ${inserted.id} FROM ${inserted})`,
      lastHash: setTo('hash'),
      keyed: true,
    })
    .where(eq(auditHead.id, 1))
    .prepare('audit_append');
});
