import type { Clock, TestClocks } from './clock.ts';
import type { Logger } from './logger.ts';

/**
 * Background work that survives a crash (SPEC §11: "background work (a durable job table, e.g.
 * for mail)"): a request writes a job and answers; a runner in every process takes due jobs one
 * at a time and runs them. On PostgreSQL several processes share the table and each job runs on
 * one of them; a process that dies holding a job loses it only until its lease ends.
 *
 * A job's payload is stored as it is given: it must never carry a secret that opens anything
 * (a job that mails a sign-in link carries the address and mints the link when it runs).
 */

/** A claimed job: its attempts count this one. */
export interface Job {
  id: number;
  kind: string;
  payload: string;
  attempts: number;
  /** Test mode only: the clock of the request that wrote it (`enqueue`). */
  testClock: string | null;
}

/** The job table, on either store (store.jobs). */
export interface JobsStore {
  /** Adds a job, due at `runAt`; its id. */
  enqueue(job: {
    kind: string;
    payload: string;
    runAt: number;
    /** Test mode only: the clock of the request that writes it. */
    testClock?: string | null;
  }): Promise<number>;
  /**
   * Takes one due job (due, not done, not leased to anyone now), oldest first, leased until
   * `now + leaseMs` and its attempts counted; null when none is due. Exclusive: two callers
   * never hold the same job at once, even from different processes.
   */
  claim(command: { now: number; leaseMs: number }): Promise<Job | null>;
  /**
   * The job ran: it is gone. Like `fail`, only while the claim is still the caller's (the job's
   * attempts as its claim counted them): one that ran past its lease, and was taken again by
   * another runner meanwhile, changes nothing of the other's run.
   */
  complete(claim: { id: number; attempts: number }): Promise<void>;
  /**
   * The job failed: due again at `retryAt`, or, when `retryAt` is null, given up on (kept with
   * its error, without its payload, and never claimed again, until `prune` deletes it).
   */
  fail(command: {
    id: number;
    attempts: number;
    error: string;
    retryAt: number | null;
    now: number;
  }): Promise<void>;
  /**
   * Deletes at most `limit` jobs that ended (given up on) before `before`, oldest first, never
   * one that may still run; how many it deleted. Several callers at once do not wait for each
   * other.
   */
  prune(command: { before: number; limit: number }): Promise<number>;
}

/** What runs a kind of job, given its payload as enqueued. A throw is a failed attempt. */
export type JobHandlers = Record<string, (payload: unknown) => Promise<void>>;

export interface JobRunnerOptions {
  clock: Clock;
  logger: Logger;
  /**
   * Test mode's clocks: a job runs on the clock of the request that wrote it, kept with the job,
   * on whichever process takes it (ADR 029).
   */
  testClocks?: Pick<TestClocks, 'current' | 'run'>;
  /** How often to look for due jobs (others' enqueues, retries, expired leases); 0: never. */
  pollMs?: number;
  /** How long a claimed job is this process's before another may take it. */
  leaseMs?: number;
  /**
   * How long one attempt may go unanswered before it counts as failed and the runner goes on
   * (half the lease by default): a mail server that holds the connection open without ever
   * answering stalls neither this process's other jobs nor its shutdown, and the job is
   * retried before its lease could hand it to another process while this one still waits.
   */
  attemptTimeoutMs?: number;
  /** Attempts before a job is given up on. */
  maxAttempts?: number;
  /** How long a job given up on is kept, with its error, for whoever looks into it. */
  keepEndedMs?: number;
  /** How often this runner deletes jobs kept longer than that (0: at every pass). */
  pruneEveryMs?: number;
  /** How many it deletes per statement: short transactions, whatever has piled up. */
  pruneBatch?: number;
}

const DAY = 24 * 60 * 60_000;

export const JOB_DEFAULTS = {
  pollMs: 1_000,
  leaseMs: 5 * 60_000,
  maxAttempts: 5,
  keepEndedMs: 30 * DAY,
  pruneEveryMs: 60 * 60_000,
  pruneBatch: 100,
} as const;

/** Wait before attempt n + 1: 30 s, 1 min, 2 min… at most an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 60 * 60_000);
}

export interface JobRunner {
  /**
   * Writes a job due at `runAt` (now by default) and wakes this process's runner. The caller
   * waits for the write only, the same work whatever the job will find. In test mode the job
   * runs on the caller's clock, whichever process runs it, as work done after the caller's
   * answer would.
   */
  enqueue(kind: string, payload: unknown, runAt?: number): Promise<void>;
  /** Starts running jobs with these handlers: at once, on every poll and after each enqueue. */
  start(handlers: JobHandlers): void;
  /** Runs every due job now and resolves when none is left (tests, the command line). */
  idle(): Promise<void>;
  /** No new jobs are taken; resolves when the running one has finished. */
  stop(): Promise<void>;
}

export function createJobRunner(jobs: JobsStore, options: JobRunnerOptions): JobRunner {
  const { clock, logger, testClocks } = options;
  const pollMs = options.pollMs ?? JOB_DEFAULTS.pollMs;
  const leaseMs = options.leaseMs ?? JOB_DEFAULTS.leaseMs;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? leaseMs / 2;
  const maxAttempts = options.maxAttempts ?? JOB_DEFAULTS.maxAttempts;
  const keepEndedMs = options.keepEndedMs ?? JOB_DEFAULTS.keepEndedMs;
  const pruneEveryMs = options.pruneEveryMs ?? JOB_DEFAULTS.pruneEveryMs;
  const pruneBatch = options.pruneBatch ?? JOB_DEFAULTS.pruneBatch;
  /** When this runner next deletes jobs kept past `keepEndedMs`: at its first pass. */
  let pruneAt = Number.NEGATIVE_INFINITY;
  let handlers: JobHandlers | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let draining: Promise<void> | null = null;
  let again = false;

  /** The job's failure, or null when it ran. */
  async function attempt(job: Job): Promise<unknown> {
    // Taken again after its leases ran out, as when every attempt ended its process.
    if (job.attempts > maxAttempts) return new Error('its attempts ended without an answer');
    const handler = handlers?.[job.kind];
    if (!handler) return new Error(`no handler for jobs of kind ${job.kind}`);
    const payload = JSON.parse(job.payload);
    let timer: NodeJS.Timeout | undefined;
    const unanswered = new Promise<Error>((resolve) => {
      timer = setTimeout(
        () => resolve(new Error(`no answer within ${attemptTimeoutMs} ms`)),
        attemptTimeoutMs,
      );
    });
    const ran = (async () => {
      try {
        await (testClocks && job.testClock !== null
          ? testClocks.run(job.testClock, () => handler(payload))
          : handler(payload));
        return null;
      } catch (error) {
        return error ?? new Error('failed');
      }
    })();
    // An attempt given up on may still finish later: its outcome is no longer this job's (a
    // retry makes its own; mail is delivered at least once, ADR 021).
    return Promise.race([ran, unanswered]).finally(() => clearTimeout(timer));
  }

  async function runOne(job: Job): Promise<void> {
    const error = await attempt(job);
    if (error === null) {
      await jobs.complete(job);
      return;
    }
    // The message only: an error object may carry parts of what the job was sending.
    const message = error instanceof Error ? error.message : String(error);
    const now = clock.now();
    const giveUp = job.attempts >= maxAttempts;
    await jobs.fail({
      id: job.id,
      attempts: job.attempts,
      error: message,
      retryAt: giveUp ? null : now + retryDelayMs(job.attempts),
      now,
    });
    const log = { jobId: job.id, kind: job.kind, attempts: job.attempts };
    if (giveUp) logger.error({ ...log, error: message }, 'job failed for the last time');
    else logger.warn({ ...log, error: message }, 'job failed; it will be retried');
  }

  /**
   * Deletes the jobs given up on longer ago than they are kept (ADR 021), batch by batch, at
   * most once per `pruneEveryMs`: every process does it, none waits for another doing it.
   */
  async function pruneEnded(): Promise<void> {
    const now = clock.now();
    if (now < pruneAt) return;
    pruneAt = now + pruneEveryMs;
    try {
      let pruned = 0;
      for (;;) {
        const deleted = await jobs.prune({ before: now - keepEndedMs, limit: pruneBatch });
        pruned += deleted;
        if (deleted < pruneBatch || stopped) break;
      }
      if (pruned > 0) logger.info({ pruned }, 'jobs given up on were deleted');
    } catch (error) {
      // Tried again at the next interval; running jobs matters more.
      logger.error({ err: error }, 'jobs given up on could not be deleted');
    }
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      while (!stopped) {
        const job = await jobs.claim({ now: clock.now(), leaseMs });
        if (!job) break;
        await runOne(job);
      }
    } while (again && !stopped);
    if (!stopped) await pruneEnded();
  }

  /** Whether the last pass failed: the next failure of the same outage is not said again. */
  let failing = false;

  /** Runs due jobs unless a pass is already running, which then looks once more. */
  function wake(): Promise<void> {
    if (!handlers || stopped) return Promise.resolve();
    if (draining) {
      again = true;
      return draining;
    }
    draining = drain()
      .then(() => {
        if (failing) logger.info('jobs run again');
        failing = false;
      })
      .catch((error: unknown) => {
        // The store failed (a lost connection): the next poll tries again. Said once per
        // outage, not at every poll (once a second, in every process).
        if (!failing) logger.error({ err: error }, 'jobs could not be run; retrying');
        failing = true;
      })
      .finally(() => {
        draining = null;
      });
    return draining;
  }

  return {
    async enqueue(kind, payload, runAt) {
      await jobs.enqueue({
        kind,
        payload: JSON.stringify(payload),
        runAt: runAt ?? clock.now(),
        testClock: testClocks ? testClocks.current() : null,
      });
      // After the caller's answer, as the work it stands for.
      setImmediate(wake);
    },
    start(given) {
      handlers = given;
      if (pollMs > 0) {
        timer = setInterval(wake, pollMs);
        timer.unref();
      }
      setImmediate(wake);
    },
    async idle() {
      // A pass already running may have claimed before the latest enqueue: look again after it.
      while (draining) await draining;
      await wake();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await draining;
    },
  };
}
