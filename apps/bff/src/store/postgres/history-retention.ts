import { and, asc, gte, inArray } from 'drizzle-orm';
import { attemptsBefore, impersonationsFinishedBefore } from '../history-retention.ts';

import type { PgDb } from './client.ts';
import { impersonations, loginAttempts } from './schema.ts';

/**
 * Deletes the access history's rows older than the audit trail's retention (ADR 043), as on
 * SQLite (store/sqlite/history-retention.ts): sign-in attempts up to the first within the
 * retention, and impersonations that finished before it. Each batch is one short statement of
 * its own, with a pause after it; rows another process is deleting are skipped, not waited for.
 */
export async function pruneHistory(
  db: PgDb,
  cutoff: number,
  options: { batch?: number; pauseMs?: number } = {},
): Promise<{ attempts: number; impersonations: number }> {
  const batch = options.batch ?? 500;
  const pause = () => new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 5));
  const [firstKept] = await db
    .select({ id: loginAttempts.id })
    .from(loginAttempts)
    .where(gte(loginAttempts.at, cutoff))
    .orderBy(asc(loginAttempts.id))
    .limit(1);
  const oldAttempt = attemptsBefore(loginAttempts, cutoff, firstKept?.id);
  let attempts = 0;
  for (;;) {
    const oldest = db
      .select({ id: loginAttempts.id })
      .from(loginAttempts)
      .where(oldAttempt)
      .orderBy(asc(loginAttempts.id))
      .limit(batch)
      .for('update', { skipLocked: true });
    const deleted =
      (await db.delete(loginAttempts).where(inArray(loginAttempts.id, oldest))).rowCount ?? 0;
    attempts += deleted;
    if (deleted < batch) break;
    await pause();
  }
  const finished = impersonationsFinishedBefore(impersonations, cutoff);
  let ended = 0;
  for (;;) {
    const some = db
      .select({ id: impersonations.id })
      .from(impersonations)
      .where(finished)
      .limit(batch)
      .for('update', { skipLocked: true });
    const deleted =
      (await db.delete(impersonations).where(and(inArray(impersonations.id, some), finished)))
        .rowCount ?? 0;
    ended += deleted;
    if (deleted < batch) break;
    await pause();
  }
  return { attempts, impersonations: ended };
}
