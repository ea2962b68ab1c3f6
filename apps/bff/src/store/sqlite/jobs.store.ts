import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { JobsStore } from '../../lib/jobs.ts';
import { dueJob, endedBefore, failedJob } from '../job-rows.ts';
import type { SqliteContext } from './context.ts';
import { jobs } from './schema/jobs.ts';

/**
 * The job table on SQLite. One process writes it, so a claim is one synchronous transaction:
 * the oldest due job, leased and counted.
 */
export function sqliteJobs({ db }: SqliteContext): JobsStore {
  return {
    async enqueue({ kind, payload, runAt, testClock }) {
      const row = db
        .insert(jobs)
        .values({ kind, payload, runAt, testClock: testClock ?? null })
        .returning({ id: jobs.id })
        .get();
      if (!row) throw new Error('No job was written');
      return row.id;
    },

    async claim({ now, leaseMs }) {
      return db.transaction((tx) => {
        const due = tx
          .select({ id: jobs.id })
          .from(jobs)
          .where(dueJob(jobs, now))
          .orderBy(asc(jobs.runAt), asc(jobs.id))
          .limit(1)
          .get();
        if (!due) return null;
        return (
          tx
            .update(jobs)
            .set({ lockedUntil: now + leaseMs, attempts: sql`${jobs.attempts} + 1` })
            .where(eq(jobs.id, due.id))
            .returning({
              id: jobs.id,
              kind: jobs.kind,
              payload: jobs.payload,
              attempts: jobs.attempts,
              testClock: jobs.testClock,
            })
            .get() ?? null
        );
      });
    },

    async complete({ id, attempts }) {
      db.delete(jobs)
        .where(and(eq(jobs.id, id), eq(jobs.attempts, attempts)))
        .run();
    },

    async fail({ id, attempts, error, retryAt, now }) {
      db.update(jobs)
        .set(failedJob(error, retryAt, now))
        .where(and(eq(jobs.id, id), eq(jobs.attempts, attempts)))
        .run();
    },

    async prune({ before, limit }) {
      const oldest = db
        .select({ id: jobs.id })
        .from(jobs)
        .where(endedBefore(jobs, before))
        .orderBy(asc(jobs.id))
        .limit(limit);
      return db.delete(jobs).where(inArray(jobs.id, oldest)).run().changes;
    },
  };
}
