import { and, asc, gte, inArray } from 'drizzle-orm';
import {
  attemptsBefore,
  deleteInBatches,
  impersonationsFinishedBefore,
} from '../history-retention.ts';
import { confirmCommandSecret } from './audit.ts';
import { type PgDb, type PgTx, transaction } from './client.ts';
import { impersonations, loginAttempts } from './schema.ts';

/**
 * Deletes the access history's rows older than the audit trail's retention (ADR 043), as on
 * SQLite (store/sqlite/history-retention.ts): sign-in attempts up to the first within the
 * retention, and impersonations that finished before it. Each batch is one short statement of
 * its own, with a pause after it; rows another process is deleting are skipped, not waited for.
 * A command's deletions confirm the database's secret in their own transaction, as its keyed
 * writes do (audit.ts): refused, it has deleted nothing.
 */
export async function pruneHistory(
  db: PgDb,
  key: Buffer,
  cutoff: number,
  options: { batch?: number; pauseMs?: number } = {},
): Promise<{ attempts: number; impersonations: number }> {
  const [firstKept] = await db
    .select({ id: loginAttempts.id })
    .from(loginAttempts)
    .where(gte(loginAttempts.at, cutoff))
    .orderBy(asc(loginAttempts.id))
    .limit(1);
  const oldAttempt = attemptsBefore(loginAttempts, cutoff, firstKept?.id);
  const attempts = await deleteInBatches(options, async (limit) => {
    const oldest = db
      .select({ id: loginAttempts.id })
      .from(loginAttempts)
      .where(oldAttempt)
      .orderBy(asc(loginAttempts.id))
      .limit(limit)
      .for('update', { skipLocked: true });
    return transaction(db, async (tx) => {
      const deleted = await tx.delete(loginAttempts).where(inArray(loginAttempts.id, oldest));
      return confirmedIfAny(tx, key, deleted.rowCount ?? 0);
    });
  });
  const finished = impersonationsFinishedBefore(impersonations, cutoff);
  const ended = await deleteInBatches(options, async (limit) => {
    const some = db
      .select({ id: impersonations.id })
      .from(impersonations)
      .where(finished)
      .limit(limit)
      .for('update', { skipLocked: true });
    return transaction(db, async (tx) => {
      const deleted = await tx
        .delete(impersonations)
        .where(and(inArray(impersonations.id, some), finished));
      return confirmedIfAny(tx, key, deleted.rowCount ?? 0);
    });
  });
  return { attempts, impersonations: ended };
}

/**
 * A batch that deleted rows confirms a command's secret in its transaction (refused, the
 * deletion rolls back with it); one that deleted nothing has written nothing and records
 * nothing, so a prune with nothing to do, given another secret, cannot lock the servers out.
 */
async function confirmedIfAny(tx: PgTx, key: Buffer, deleted: number): Promise<number> {
  if (deleted > 0) await confirmCommandSecret(tx, key);
  return deleted;
}
