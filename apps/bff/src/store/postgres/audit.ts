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
import { beforeCommit, commandOn, finishWith, type PgTx } from './client.ts';
import { prepared, setTo } from './prepared.ts';
import { auditEvents, auditHead } from './schema.ts';
import { recordSecretCheck } from './secret-record.ts';

/**
 * Appends one event in the transaction of the change it records. The chain's head row is
 * locked (`SELECT … FOR UPDATE`), so appends from every process and connection are serialised
 * in the database: each event links to the one committed before it, and event ids follow the
 * chain's order. Held until the transaction ends.
 *
 * In a command (`transaction`), the events wait until its own work is done and are appended
 * just before its COMMIT: **the head is the last lock every command takes.** Taken earlier, it
 * deadlocked with commands that lock the same session or impersonation rows first and the head
 * last (a redemption replacing a session against the end of that session's impersonation;
 * found by a review): PostgreSQL broke each such pair after a second, holding the head, and so
 * every audited write of every process, meanwhile. The events keep the order they were asked
 * for in. Only the counters of repeats (audit-repeats.ts), a prune's checkpoint
 * (audit-chain.ts) and, in a `pnpm cli` command's store, the secret's check in `settings`
 * (`confirmCommandSecret`, when a statement of the command took the head already) take rows
 * after the head: rows no server's command locks after it (a server takes the check only at
 * its start, under no head).
 */
export async function appendAudit(
  tx: PgTx,
  key: Buffer,
  entry: AuditEntry,
  meta: RequestMeta,
): Promise<void> {
  const pending = pendingOf(tx, key);
  if (pending) {
    pending.events.push({ entry, meta });
    return;
  }
  await confirmCommandSecret(tx, key);
  const [head] = await lockHead(tx).execute();
  await appendChained(tx, key, head, [{ entry, meta }]);
}

/**
 * The audit keys of the stores commands opened (`pnpm cli …`, `confirmSecretWith` of
 * `createPostgresStore`), each with the key its secret's check is sealed with. A server's key is
 * not here: it confirmed the secret at its start, and its appends ask nothing more.
 */
const commandKeys = new WeakMap<Buffer, Buffer>();

/** Marks `auditKey` as a command's: its keyed writes confirm the secret (`confirmCommandSecret`). */
export function confirmSecretOnKeyedWrites(auditKey: Buffer, sealKey: Buffer): void {
  commandKeys.set(auditKey, sealKey);
}

/**
 * For a command's key, in the transaction of a keyed write (its events, a prune's checkpoint),
 * before it: refuses when the database recorded another secret, and records this one when it
 * recorded none. A command run while the database's first server starts with another secret
 * once wrote its events keyed apart before either had recorded anything, and was refused only
 * after (a review); now whichever commits first decides, and the other is refused with nothing
 * written. A command that writes nothing keyed records nothing, so that a deploy's step given
 * another secret cannot lock the servers out (ADR 017). In a command (`transaction`), once,
 * with its appends just before its COMMIT.
 */
export async function confirmCommandSecret(tx: PgTx, key: Buffer): Promise<void> {
  const sealKey = commandKeys.get(key);
  if (sealKey !== undefined) await recordSecretCheck(tx, sealKey);
}

/** The chain's head as `SELECT … FOR UPDATE` returns it. */
export interface LockedHead {
  lastHash: string;
}

/**
 * `appendAudit` for a command whose last statement locked the head (`lockChainHead`), sent
 * with its last writes without waiting between them: one round trip less, the head held no
 * longer than by `appendAudit`. Nothing may lock a row after it. The events, its own last, are
 * sent with the COMMIT (`finishWith`), a failure failing the transaction.
 */
export async function appendAfterLock(
  tx: PgTx,
  key: Buffer,
  head: LockedHead | undefined,
  entry: AuditEntry,
  meta: RequestMeta,
): Promise<void> {
  if (!head) throw missingHead();
  const pending = pendingOf(tx, key);
  if (!pending) {
    await confirmCommandSecret(tx, key);
    return appendChained(tx, key, head, [{ entry, meta }]);
  }
  pending.head = head;
  pending.events.push({ entry, meta });
}

interface Pending {
  events: { entry: AuditEntry; meta: RequestMeta }[];
  /** The head, when the command's last statement locked it (`appendAfterLock`). */
  head?: LockedHead | undefined;
}

/** The events of the command under way on each handle, by the command (client.ts `commandOn`). */
const pendingByCommand = new WeakMap<object, Pending>();

/** The events waiting for the command on `tx` to finish; none outside a command. */
function pendingOf(tx: PgTx, key: Buffer): Pending | undefined {
  const command = commandOn(tx);
  if (command === undefined) return undefined;
  let pending = pendingByCommand.get(command);
  if (pending === undefined) {
    const made: Pending = { events: [] };
    beforeCommit(tx, async () => {
      // Before the head, the last lock (after it only when the command's last statement took it).
      await confirmCommandSecret(tx, key);
      const [head] = made.head ? [made.head] : await lockHead(tx).execute();
      await appendChained(tx, key, head, made.events);
    });
    pendingByCommand.set(command, made);
    pending = made;
  }
  return pending;
}

/**
 * The events linked one after the other from `head`, each and the head's move one statement,
 * all sent with the transaction's COMMIT when in a command (`finishWith`).
 */
async function appendChained(
  tx: PgTx,
  key: Buffer,
  head: LockedHead | undefined,
  events: readonly { entry: AuditEntry; meta: RequestMeta }[],
): Promise<void> {
  if (!head) throw missingHead();
  let prevHash = head.lastHash;
  for (const { entry, meta } of events) {
    const { row } = eventRow(entry, meta);
    const hash = keyedHash(key, prevHash, storedPayload(row));
    await finishWith(
      tx,
      append(tx)
        .execute({ ...row, prevHash, hash, keyed: true })
        .then(() => {
          countersOf(key).auditAppends++;
        }),
    );
    prevHash = hash;
  }
}

function missingHead(): Error {
  return new Error('The audit chain head row is missing: migrations were not applied');
}

/**
 * Locks the chain's head for a command about to append, sent without waiting (to be awaited
 * for its answer, the head to chain from, with `appendAfterLock`). The last lock a command
 * takes: no statement may follow it that locks a row, a foreign key's check included.
 */
export function lockChainHead(tx: PgTx): Promise<LockedHead[]> {
  return lockHead(tx).execute();
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
