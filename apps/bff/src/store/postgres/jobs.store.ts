import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { JobsStore } from '../../lib/jobs.ts';
import { dueJob, endedBefore, failedJob } from '../job-rows.ts';
import type { PostgresContext } from './context.ts';
import { jobs } from './schema.ts';

/**
 * The job table on PostgreSQL, shared by every process. A claim takes the oldest due job that
 * no other transaction holds (`FOR UPDATE SKIP LOCKED`) and leases it in the same statement,
 * so two processes never take the same job and none waits for another's.
 */
export function postgresJobs({ db }: PostgresContext): JobsStore {
  return {
    async enqueue({ kind, payload, runAt, testClock }) {
      const [row] = await db
        .insert(jobs)
        .values({ kind, payload, runAt, testClock: testClock ?? null })
        .returning({ id: jobs.id });
      if (!row) throw new Error('No job was written');
      return row.id;
    },

    async claim({ now, leaseMs }) {
      const due = db
        .select({ id: jobs.id })
        .from(jobs)
        .where(dueJob(jobs, now))
        .orderBy(asc(jobs.runAt), asc(jobs.id))
        .limit(1)
        .for('update', { skipLocked: true });
      const [claimed] = await db
        .update(jobs)
        .set({ lockedUntil: now + leaseMs, attempts: sql`${jobs.attempts} + 1` })
        .where(eq(jobs.id, sql`(${due})`))
        .returning({
          id: jobs.id,
          kind: jobs.kind,
          payload: jobs.payload,
          attempts: jobs.attempts,
          testClock: jobs.testClock,
        });
      return claimed ?? null;
    },

    async complete({ id, attempts }) {
      await db.delete(jobs).where(and(eq(jobs.id, id), eq(jobs.attempts, attempts)));
    },

    async fail({ id, attempts, error, retryAt, now }) {
      await db
        .update(jobs)
        .set(failedJob(error, retryAt, now))
        .where(and(eq(jobs.id, id), eq(jobs.attempts, attempts)));
    },

    async prune({ before, limit }) {
      // Rows another process is deleting are skipped, not waited for: it deletes them.
      const oldest = db
        .select({ id: jobs.id })
        .from(jobs)
        .where(endedBefore(jobs, before))
        .orderBy(asc(jobs.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      const deleted = await db
        .delete(jobs)
        .where(inArray(jobs.id, oldest))
        .returning({ id: jobs.id });
      return deleted.length;
    },
  };
}
