import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * Work that must survive a restart and run once (mail now): written in the request's
 * transaction, run by the process's job runner (lib/jobs.ts). A claimed job is leased until
 * `locked_until`; a job whose process died is taken again once the lease ends. Done jobs are
 * deleted; a job given up on keeps its error, not its payload. The same table as PostgreSQL's.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    payload: text('payload').notNull(),
    runAt: integer('run_at').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lockedUntil: integer('locked_until'),
    doneAt: integer('done_at'),
    lastError: text('last_error'),
    /** Test mode only: the clock of the request that wrote the job, which it runs on. */
    testClock: text('test_clock'),
  },
  (t) => [index('jobs_due_idx').on(t.runAt).where(sql`${t.doneAt} IS NULL`)],
);
