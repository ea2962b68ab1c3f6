import { eq, sql } from 'drizzle-orm';
import { type AuditEntry, eventRow, keyedHash, storedPayload } from '../../lib/audit-event.ts';
import { countersOf } from '../../lib/hot-counters.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import type { PgTx } from './client.ts';
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
  const { row } = eventRow(entry, meta);
  const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
  if (!head) throw new Error('The audit chain head row is missing: migrations were not applied');
  const hash = keyedHash(key, head.lastHash, storedPayload(row));
  // The event and the head's move in one statement: one round trip less while the head is held.
  const inserted = tx
    .insert(auditEvents)
    .values({ ...row, prevHash: head.lastHash, hash, keyed: true })
    .returning({ id: auditEvents.id });
  await tx.execute(
    sql`WITH inserted AS ${inserted} UPDATE ${auditHead} SET ${sql.identifier('last_id')} = (SELECT ${sql.identifier('id')} FROM inserted), ${sql.identifier('last_hash')} = ${hash}, ${sql.identifier('keyed')} = true WHERE ${auditHead.id} = 1`,
  );
  countersOf(key).auditAppends++;
}
