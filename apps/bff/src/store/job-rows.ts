import { and, type Column, isNotNull, isNull, lt, lte, or, type SQL } from 'drizzle-orm';

/**
 * What both adapters of the job table (lib/jobs.ts `JobsStore`) mean by a due job and a failed
 * one, written once over either dialect's columns.
 */

/** Not done, due by `now`, and leased to nobody or to someone whose lease has ended. */
export function dueJob(
  t: { doneAt: Column; runAt: Column; lockedUntil: Column },
  now: number,
): SQL | undefined {
  return and(
    isNull(t.doneAt),
    lte(t.runAt, now),
    or(isNull(t.lockedUntil), lte(t.lockedUntil, now)),
  );
}

/**
 * A failed job's changes: released and due again at `retryAt`, or, given up on, done with its
 * error and without its payload (which may name a person).
 */
export function failedJob(error: string, retryAt: number | null, now: number) {
  return retryAt === null
    ? { doneAt: now, lastError: error, payload: '', lockedUntil: null }
    : { runAt: retryAt, lastError: error, lockedUntil: null };
}

/** A job that ended (given up on) before `before`: it will never run again. */
export function endedBefore(t: { doneAt: Column }, before: number): SQL | undefined {
  return and(isNotNull(t.doneAt), lt(t.doneAt, before));
}
