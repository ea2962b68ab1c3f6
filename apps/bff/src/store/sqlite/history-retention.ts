import { and, asc, gte, inArray } from 'drizzle-orm';
import {
  attemptsBefore,
  deleteInBatches,
  impersonationsFinishedBefore,
} from '../history-retention.ts';
import { confirmCommandSecret } from './audit.ts';
import type { Db } from './client.ts';
import { impersonations } from './schema/impersonations.ts';
import { loginAttempts } from './schema/login-links.ts';

/**
 * Deletes the access history's rows older than the audit trail's retention (ADR 043): sign-in
 * attempts at a link or token (each holds an address and a user agent), and impersonations
 * that finished before it (ended, or never started and their hand-off expired). Running ones
 * are never taken. Each batch's ids are read first, outside any write, then deleted in one
 * short transaction with a pause after it, so a running server waits for the write lock a few
 * milliseconds at a time. A command's deletions confirm the database's secret in their own
 * transaction first, as its keyed writes do (audit.ts): refused, it has deleted nothing.
 */
export async function pruneHistory(
  db: Db,
  cutoff: number,
  now: number,
  options: { batch?: number; pauseMs?: number } = {},
): Promise<{ attempts: number; impersonations: number }> {
  // As with events: only the oldest attempts, up to the first within the retention, so one
  // dated ahead (a test clock) or back never takes others with it.
  const firstKept = db
    .select({ id: loginAttempts.id })
    .from(loginAttempts)
    .where(gte(loginAttempts.at, cutoff))
    .orderBy(asc(loginAttempts.id))
    .limit(1)
    .get();
  const oldAttempt = attemptsBefore(loginAttempts, cutoff, firstKept?.id);
  const attempts = await deleteInBatches(options, (limit) => {
    const ids = db
      .select({ id: loginAttempts.id })
      .from(loginAttempts)
      .where(oldAttempt)
      .orderBy(asc(loginAttempts.id))
      .limit(limit)
      .all()
      .map((row) => row.id);
    if (ids.length === 0) return 0;
    return db.transaction((tx) => {
      confirmCommandSecret(tx, now);
      return tx.delete(loginAttempts).where(inArray(loginAttempts.id, ids)).run().changes;
    });
  });
  const finished = impersonationsFinishedBefore(impersonations, cutoff);
  const ended = await deleteInBatches(options, (limit) => {
    const ids = db
      .select({ id: impersonations.id })
      .from(impersonations)
      .where(finished)
      .limit(limit)
      .all()
      .map((row) => row.id);
    if (ids.length === 0) return 0;
    return db.transaction((tx) => {
      confirmCommandSecret(tx, now);
      return tx
        .delete(impersonations)
        .where(and(inArray(impersonations.id, ids), finished))
        .run().changes;
    });
  });
  return { attempts, impersonations: ended };
}
