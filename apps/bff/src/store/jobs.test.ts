import { describe, expect, it } from 'vitest';
import { testClocks } from '../lib/clock.ts';
import { createJobRunner, type JobsStore, retryDelayMs } from '../lib/jobs.ts';
import { createLogger } from '../lib/logger.ts';
import { openPostgres } from './postgres/client.ts';
import * as pg from './postgres/schema.ts';
import { holdRow, lockWaiters } from './postgres/test-locks.ts';
import { jobs } from './sqlite/schema/jobs.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const LEASE = 60_000;

const claim = (store: JobsStore, now: number) => store.claim({ now, leaseMs: LEASE });

async function jobRows(ts: TestStore) {
  if (ts.dialect === 'sqlite') return ts.db.select().from(jobs).all();
  return ts.db.select().from(pg.jobs);
}

/** A clock the test moves by hand. */
function manualClock(start: number) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** The real logger, its lines kept for the test to read. */
function loggedLines() {
  const raw: string[] = [];
  const logger = createLogger('info', { write: (line: string) => void raw.push(line) });
  const lines = () => raw.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

describe.each(dialects)('jobs on %s', (dialect) => {
  it('a job is claimed once it is due, by one claimer at a time, and never again once done', async () => {
    const { store } = await freshStore(dialect);
    await store.jobs.enqueue({ kind: 'mail', payload: '{"to":"a"}', runAt: T0 + 1_000 });
    await store.jobs.enqueue({ kind: 'mail', payload: '{"to":"b"}', runAt: T0 });

    expect(await claim(store.jobs, T0 - 1)).toBeNull();
    const first = await claim(store.jobs, T0);
    expect(first).toMatchObject({ kind: 'mail', payload: '{"to":"b"}', attempts: 1 });
    // The other is not due yet, and the first is leased.
    expect(await claim(store.jobs, T0 + 999)).toBeNull();
    const second = await claim(store.jobs, T0 + 1_000);
    expect(second).toMatchObject({ payload: '{"to":"a"}', attempts: 1 });
    expect(await claim(store.jobs, T0 + 1_000)).toBeNull();

    await store.jobs.complete({ id: first?.id ?? 0, attempts: 1 });
    await store.jobs.complete({ id: second?.id ?? 0, attempts: 1 });
    // Done jobs are gone: not even an ended lease brings them back.
    expect(await claim(store.jobs, T0 + 10 * LEASE)).toBeNull();
  });

  it('due jobs are claimed in the order they fell due, not the order they were written', async () => {
    const { store } = await freshStore(dialect);
    const later = await store.jobs.enqueue({ kind: 'mail', payload: '"later"', runAt: T0 + 1_000 });
    const sooner = await store.jobs.enqueue({ kind: 'mail', payload: '"sooner"', runAt: T0 });
    // Both due: the one waiting longest goes first, a backlog is never overtaken by newcomers.
    expect(await claim(store.jobs, T0 + 1_000)).toMatchObject({ id: sooner });
    expect(await claim(store.jobs, T0 + 1_000)).toMatchObject({ id: later });
  });

  it('a leased job is taken again once its lease has ended, its attempts counted', async () => {
    const { store } = await freshStore(dialect);
    await store.jobs.enqueue({ kind: 'mail', payload: '{}', runAt: T0 });
    const taken = await claim(store.jobs, T0);
    // Its process died holding it: nobody else may take it while the lease runs.
    expect(await claim(store.jobs, T0 + LEASE - 1)).toBeNull();
    const retaken = await claim(store.jobs, T0 + LEASE);
    expect(retaken).toMatchObject({ id: taken?.id, attempts: 2 });
  });

  it('a claim that ran past its lease changes nothing once another runner took the job', async () => {
    const ts = await freshStore(dialect);
    const { store } = ts;
    const id = await store.jobs.enqueue({ kind: 'mail', payload: '{}', runAt: T0 });
    await claim(store.jobs, T0);
    await claim(store.jobs, T0 + LEASE);
    // The first runner, late: its failure does not release the job the second is running,
    // and its completion does not take it away from it.
    await store.jobs.fail({ id, attempts: 1, error: 'late', retryAt: T0, now: T0 + LEASE });
    expect(await claim(store.jobs, T0 + LEASE)).toBeNull();
    await store.jobs.complete({ id, attempts: 1 });
    expect(await jobRows(ts)).toEqual([
      expect.objectContaining({ id, attempts: 2, lastError: null }),
    ]);
    // The second's own word counts.
    await store.jobs.complete({ id, attempts: 2 });
    expect(await jobRows(ts)).toEqual([]);
  });

  it('a failed job is due again when asked, and a job given up on is never claimed again', async () => {
    const ts = await freshStore(dialect);
    const { store } = ts;
    await store.jobs.enqueue({ kind: 'mail', payload: '{"to":"x@acme.test"}', runAt: T0 });
    const job = await claim(store.jobs, T0);
    const id = job?.id ?? 0;
    await store.jobs.fail({ id, attempts: 1, error: 'smtp down', retryAt: T0 + 30_000, now: T0 });
    // Released at once, due again at the time given.
    expect(await claim(store.jobs, T0 + 29_999)).toBeNull();
    expect(await claim(store.jobs, T0 + 30_000)).toMatchObject({ id, attempts: 2 });
    await store.jobs.fail({
      id,
      attempts: 2,
      error: 'smtp still down',
      retryAt: null,
      now: T0 + 30_000,
    });
    expect(await claim(store.jobs, T0 + 100 * LEASE)).toBeNull();
    // Kept with its error for whoever looks into it, without what it carried.
    expect(await jobRows(ts)).toEqual([
      expect.objectContaining({
        id,
        payload: '',
        doneAt: T0 + 30_000,
        lastError: 'smtp still down',
      }),
    ]);
  });

  it('prune deletes, in batches of the size asked, only jobs given up on before the time given: never a due, retried or leased one', async () => {
    const ts = await freshStore(dialect);
    const { store } = ts;
    const ids: Record<string, number> = {};
    for (const name of ['a', 'b', 'c', 'retried', 'leased', 'due']) {
      ids[name] = await store.jobs.enqueue({ kind: 'mail', payload: `"${name}"`, runAt: T0 });
    }
    // Claimed oldest first: a, b and c are given up on, one second apart.
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      expect(await claim(store.jobs, T0)).toMatchObject({ id: ids[name] });
      await store.jobs.fail({
        id: ids[name] ?? 0,
        attempts: 1,
        error: 'gone',
        retryAt: null,
        now: T0 + i * 1_000,
      });
    }
    expect(await claim(store.jobs, T0)).toMatchObject({ id: ids.retried });
    await store.jobs.fail({
      id: ids.retried ?? 0,
      attempts: 1,
      error: 'busy',
      retryAt: T0 + 60_000,
      now: T0,
    });
    expect(await claim(store.jobs, T0)).toMatchObject({ id: ids.leased });
    const left = async () => (await jobRows(ts)).map((row) => row.id).sort((x, y) => x - y);

    // At most the batch, oldest first.
    expect(await store.jobs.prune({ before: T0 + 2_000, limit: 1 })).toBe(1);
    expect(await left()).not.toContain(ids.a);
    // Only what ended strictly before: c ended at T0 + 2 s.
    expect(await store.jobs.prune({ before: T0 + 2_000, limit: 5 })).toBe(1);
    expect(await left()).toEqual([ids.c, ids.retried, ids.leased, ids.due]);
    // Whatever the time, a job that may still run stays.
    expect(await store.jobs.prune({ before: T0 + 1_000 * LEASE, limit: 5 })).toBe(1);
    expect(await store.jobs.prune({ before: T0 + 1_000 * LEASE, limit: 5 })).toBe(0);
    expect(await left()).toEqual([ids.retried, ids.leased, ids.due]);
  });

  it('the runner deletes jobs given up on once kept past their retention, batch by batch, at most once an interval', async () => {
    const ts = await freshStore(dialect);
    const clock = manualClock(T0);
    const { logger, lines } = loggedLines();
    const KEEP = 30 * 24 * 60 * 60_000;
    const EVERY = 60 * 60_000;
    const runner = createJobRunner(ts.store.jobs, {
      clock,
      logger,
      pollMs: 0,
      maxAttempts: 1,
      keepEndedMs: KEEP,
      pruneEveryMs: EVERY,
      pruneBatch: 2,
    });
    runner.start({
      async flaky() {
        throw new Error('550 no such mailbox');
      },
    });
    for (let i = 0; i < 5; i++) await runner.enqueue('flaky', { n: i });
    await runner.idle();
    const rows = async () => (await jobRows(ts)).length;
    expect(await rows()).toBe(5);

    // Kept for the whole retention, however many passes look.
    clock.advance(KEEP);
    await runner.idle();
    expect(await rows()).toBe(5);
    // Past it, at the next interval: all of them, two by two.
    clock.advance(EVERY);
    await runner.idle();
    expect(await rows()).toBe(0);
    expect(lines().filter((l) => l.msg === 'jobs given up on were deleted')).toEqual([
      expect.objectContaining({ pruned: 5 }),
    ]);

    // One given up on long ago appears: not deleted before the next interval comes.
    const id = await ts.store.jobs.enqueue({ kind: 'mail', payload: '{}', runAt: T0 });
    await claim(ts.store.jobs, clock.now());
    await ts.store.jobs.fail({ id, attempts: 1, error: 'gone', retryAt: null, now: T0 });
    clock.advance(EVERY - 1);
    await runner.idle();
    expect(await rows()).toBe(1);
    clock.advance(1);
    await runner.idle();
    expect(await rows()).toBe(0);
    await runner.stop();
  });

  it('the runner runs what was enqueued, retries a failure later and gives up after the last attempt, logged', async () => {
    const { store } = await freshStore(dialect);
    const clock = manualClock(T0);
    const { logger, lines } = loggedLines();
    const runner = createJobRunner(store.jobs, { clock, logger, pollMs: 0, maxAttempts: 3 });
    const ran: unknown[] = [];
    runner.start({
      async greet(payload) {
        ran.push(payload);
      },
      async flaky() {
        throw new Error('421 service not available');
      },
    });
    await runner.enqueue('greet', { to: 'jane' });
    await runner.enqueue('flaky', { to: 'omar' });
    await runner.idle();
    expect(ran).toEqual([{ to: 'jane' }]);
    expect(lines().map((l) => [l.msg, l.kind, l.attempts])).toEqual([
      ['job failed; it will be retried', 'flaky', 1],
    ]);

    // Not before its wait.
    clock.advance(retryDelayMs(1) - 1);
    await runner.idle();
    expect(lines()).toHaveLength(1);
    clock.advance(1);
    await runner.idle();
    clock.advance(retryDelayMs(2));
    await runner.idle();
    expect(lines().map((l) => [l.msg, l.attempts, l.error])).toEqual([
      ['job failed; it will be retried', 1, '421 service not available'],
      ['job failed; it will be retried', 2, '421 service not available'],
      ['job failed for the last time', 3, '421 service not available'],
    ]);
    clock.advance(24 * 60 * 60_000);
    await runner.idle();
    expect(lines()).toHaveLength(3);
    await runner.stop();
  });

  it('the runner waits 30 s before the second attempt, then twice as long each time, never more than an hour', async () => {
    const ts = await freshStore(dialect);
    const clock = manualClock(T0);
    const runner = createJobRunner(ts.store.jobs, {
      clock,
      logger: loggedLines().logger,
      pollMs: 0,
      maxAttempts: 10,
    });
    runner.start({
      async flaky() {
        throw new Error('421 service not available');
      },
    });
    await runner.enqueue('flaky', { to: 'omar' });
    await runner.idle();
    const waits: number[] = [];
    for (let attempt = 1; attempt < 10; attempt++) {
      const [row] = await jobRows(ts);
      const wait = (row?.runAt ?? 0) - clock.now();
      waits.push(wait);
      clock.advance(wait);
      await runner.idle();
    }
    expect(waits.map((ms) => ms / 1_000)).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    // The tenth attempt was the last: given up on.
    expect(await jobRows(ts)).toEqual([expect.objectContaining({ attempts: 10, payload: '' })]);
    await runner.stop();
  });

  it('a store that fails pass after pass is logged once, with its error, and its return once', async () => {
    const { store } = await freshStore(dialect);
    const { logger, lines } = loggedLines();
    let down = true;
    const runner = createJobRunner(
      {
        ...store.jobs,
        claim: async (command) => {
          if (down) throw new Error('Connection terminated unexpectedly');
          return store.jobs.claim(command);
        },
      },
      { clock: manualClock(T0), logger, pollMs: 0 },
    );
    runner.start({});
    // Passes as the poll would run them, once a second, during an outage.
    for (let pass = 0; pass < 5; pass++) await runner.idle();
    down = false;
    await runner.idle();
    await runner.idle();
    await runner.stop();
    const said = lines()
      .filter((line) => String(line.msg).startsWith('jobs '))
      .map((line) => [line.level, line.msg, (line.err as { message?: string })?.message]);
    expect(said).toEqual([
      ['error', 'jobs could not be run; retrying', 'Connection terminated unexpectedly'],
      ['info', 'jobs run again', undefined],
    ]);
  });

  it('a pass looks again for a job enqueued while it was looking, without waiting for a poll', async () => {
    const { store } = await freshStore(dialect);
    const clock = manualClock(T0);
    const ran: unknown[] = [];
    let enqueuedDuringPass = false;
    let passEnded: () => void = () => {};
    const firstPassEnded = new Promise<void>((resolve) => {
      passEnded = resolve;
    });
    const runner = createJobRunner(
      {
        ...store.jobs,
        claim: async (command) => {
          const job = await store.jobs.claim(command);
          if (job || enqueuedDuringPass) return job;
          // A request enqueues while this claim, which found nothing, is on its way back.
          enqueuedDuringPass = true;
          await runner.enqueue('greet', { to: 'late' });
          // The enqueue's wake-up comes while the pass still runs.
          await new Promise((resolve) => setImmediate(resolve));
          return null;
        },
        // Called at the end of every pass (pruneEveryMs 0).
        prune: async (command) => {
          const pruned = await store.jobs.prune(command);
          passEnded();
          return pruned;
        },
      },
      { clock, logger: loggedLines().logger, pollMs: 0, pruneEveryMs: 0 },
    );
    runner.start({
      async greet(payload) {
        ran.push(payload);
      },
    });
    await firstPassEnded;
    expect(enqueuedDuringPass).toBe(true);
    expect(ran).toEqual([{ to: 'late' }]);
    await runner.stop();
  });

  it('an attempt left unanswered counts as failed: the runner goes on to the next job, and stops', async () => {
    const ts = await freshStore(dialect);
    const { store } = ts;
    const clock = manualClock(T0);
    const { logger, lines } = loggedLines();
    const runner = createJobRunner(store.jobs, {
      clock,
      logger,
      pollMs: 0,
      leaseMs: LEASE,
      attemptTimeoutMs: 20,
    });
    const ran: unknown[] = [];
    runner.start({
      // A mail server that accepts the connection and never answers.
      hang: () => new Promise<void>(() => {}),
      async greet(payload) {
        ran.push(payload);
      },
    });
    await runner.enqueue('hang', { to: 'omar' });
    await runner.enqueue('greet', { to: 'jane' });
    await runner.idle();
    expect(ran).toEqual([{ to: 'jane' }]);
    expect(lines().map((l) => [l.msg, l.kind, l.attempts, l.error])).toEqual([
      ['job failed; it will be retried', 'hang', 1, 'no answer within 20 ms'],
    ]);
    // Released, due again after its wait: not held until its lease ends.
    const [kept] = await jobRows(ts);
    expect(kept).toMatchObject({ kind: 'hang', attempts: 1, runAt: T0 + retryDelayMs(1) });
    await runner.stop();
  });

  it('an attempt is given up on after half the lease by default: none outlives its lease to run twice', async () => {
    const { store } = await freshStore(dialect);
    const { logger, lines } = loggedLines();
    const runner = createJobRunner(store.jobs, {
      clock: manualClock(T0),
      logger,
      pollMs: 0,
      leaseMs: 40,
    });
    runner.start({ hang: () => new Promise<void>(() => {}) });
    await runner.enqueue('hang', { to: 'omar' });
    await runner.idle();
    expect(lines().map((l) => [l.msg, l.error])).toEqual([
      ['job failed; it will be retried', 'no answer within 20 ms'],
    ]);
    await runner.stop();
  });

  it('a job enqueued and not yet run survives a restart: the next runner on the database runs it', async () => {
    const ts = await freshStore(dialect);
    const clock = manualClock(T0);
    const options = { clock, logger: loggedLines().logger, pollMs: 0 };
    // The process that took the request stops before running it.
    const before = createJobRunner(ts.store.jobs, options);
    await before.enqueue('greet', { to: 'jane' });
    await before.stop();

    const after = async (store: TestStore['store']) => {
      const ran: unknown[] = [];
      const runner = createJobRunner(store.jobs, options);
      runner.start({
        async greet(payload) {
          ran.push(payload);
        },
      });
      await runner.idle();
      await runner.stop();
      return ran;
    };
    // On PostgreSQL, another process: a pool of its own.
    const ran =
      ts.dialect === 'postgres'
        ? await onSeveralProcesses(ts, 1, ([store]) => after(store ?? ts.store))
        : await after(ts.store);
    expect(ran).toEqual([{ to: 'jane' }]);
    expect(await jobRows(ts)).toEqual([]);
  });

  it('in test mode a job runs on the clock of the request that wrote it, whichever runner takes it', async () => {
    const ts = await freshStore(dialect);
    const base = manualClock(T0);
    const HOUR = 60 * 60_000;
    const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-clock' };
    const audit = (offsetMs: number) => ({
      type: 'test.clock_advanced' as const,
      at: T0 + offsetMs,
      actor: { userId: null, kind: 'system' as const },
      details: { advanceMs: 2 * HOUR, clock: 'qa-1', offsetMs },
    });
    // One test moved its clock two hours on; the shared clock did not move.
    await ts.store.testMode.advanceClock({ namespace: 'qa-1', advanceMs: 2 * HOUR, audit, meta });
    const writer = testClocks(base, ts.store.testMode);
    const before = createJobRunner(ts.store.jobs, {
      clock: base,
      logger: loggedLines().logger,
      pollMs: 0,
      testClocks: writer,
    });
    await writer.run('qa-1', () => before.enqueue('stamp', { on: 'qa-1' }));
    await writer.run('', () => before.enqueue('stamp', { on: 'shared' }));
    // The process that wrote them never runs them: another does (on SQLite, after a restart).
    await before.stop();

    const runElsewhere = async (store: TestStore['store']) => {
      const clocks = testClocks(base, store.testMode);
      const stamped: Record<string, number> = {};
      const runner = createJobRunner(store.jobs, {
        clock: base,
        logger: loggedLines().logger,
        pollMs: 0,
        testClocks: clocks,
      });
      runner.start({
        async stamp(payload) {
          stamped[(payload as { on: string }).on] = clocks.clock.now();
        },
      });
      await runner.idle();
      await runner.stop();
      return stamped;
    };
    const stamped =
      ts.dialect === 'postgres'
        ? await onSeveralProcesses(ts, 1, ([store]) => runElsewhere(store ?? ts.store))
        : await runElsewhere(ts.store);
    expect(stamped).toEqual({ 'qa-1': T0 + 2 * HOUR, shared: T0 });
    expect(await jobRows(ts)).toEqual([]);
  });

  it('a job whose process died while running it is run by another once the lease ends', async () => {
    const ts = await freshStore(dialect);
    const clock = manualClock(T0);
    await ts.store.jobs.enqueue({ kind: 'greet', payload: '{"to":"jane"}', runAt: T0 });
    expect(await ts.store.jobs.claim({ now: T0, leaseMs: LEASE })).not.toBeNull();

    const ran: unknown[] = [];
    const runner = createJobRunner(ts.store.jobs, {
      clock,
      logger: loggedLines().logger,
      pollMs: 0,
      leaseMs: LEASE,
    });
    runner.start({
      async greet(payload) {
        ran.push(payload);
      },
    });
    await runner.idle();
    expect(ran).toEqual([]);
    clock.advance(LEASE);
    await runner.idle();
    expect(ran).toEqual([{ to: 'jane' }]);
    await runner.stop();
  });
});

describe('jobs on PostgreSQL from several processes at once', () => {
  it('each job is claimed by exactly one process', async () => {
    const ts = await freshStore('postgres');
    for (let i = 0; i < 30; i++) {
      await ts.store.jobs.enqueue({ kind: 'mail', payload: `{"n":${i}}`, runAt: T0 });
    }
    const claimed = await onSeveralProcesses(ts, 4, (stores) =>
      Promise.all(
        stores.flatMap((store) =>
          // Two claimers per process, each taking jobs until none is left.
          [0, 1].map(async () => {
            const mine: number[] = [];
            for (;;) {
              const job = await claim(store.jobs, T0);
              if (!job) return mine;
              mine.push(job.id);
            }
          }),
        ),
      ),
    );
    const ids = claimed.flat();
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
    // The work was shared, not taken by one process while the others waited.
    expect(claimed.filter((mine) => mine.length > 0).length).toBeGreaterThan(1);
  });

  it('a claim passes over a due job another transaction holds, without waiting for it', async () => {
    const ts = await freshStore('postgres');
    const held = await ts.store.jobs.enqueue({ kind: 'mail', payload: '{"n":0}', runAt: T0 });
    const next = await ts.store.jobs.enqueue({ kind: 'mail', payload: '{"n":1}', runAt: T0 + 1 });
    // Another process is half-way through claiming the oldest due job.
    const release = await holdRow(ts.url, `SELECT 1 FROM jobs WHERE id = ${held} FOR UPDATE`);
    const { pool } = openPostgres(ts.url);
    try {
      const claiming = claim(ts.store.jobs, T0 + 1);
      const first = await Promise.race([
        claiming,
        lockWaiters(pool, 1).then(() => 'waited for the held job' as const),
      ]);
      expect(first).toMatchObject({ id: next, payload: '{"n":1}', attempts: 1 });
      await claiming;
    } finally {
      await release();
      await pool.end();
    }
    expect(await claim(ts.store.jobs, T0 + 1)).toMatchObject({ id: held, attempts: 1 });
  });

  it('a prune passes over a job another transaction holds, without waiting for it', async () => {
    const ts = await freshStore('postgres');
    const ended: number[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await ts.store.jobs.enqueue({ kind: 'mail', payload: `{"n":${i}}`, runAt: T0 });
      await claim(ts.store.jobs, T0);
      await ts.store.jobs.fail({ id, attempts: 1, error: 'gone', retryAt: null, now: T0 });
      ended.push(id);
    }
    const [held, ...others] = ended;
    // Another process is half-way through deleting the oldest.
    const release = await holdRow(ts.url, `SELECT 1 FROM jobs WHERE id = ${held} FOR UPDATE`);
    const { pool } = openPostgres(ts.url);
    try {
      const pruning = ts.store.jobs.prune({ before: T0 + 1, limit: 10 });
      const first = await Promise.race([
        pruning,
        lockWaiters(pool, 1).then(() => 'waited for the held job' as const),
      ]);
      expect(first).toBe(others.length);
      await pruning;
    } finally {
      await release();
      await pool.end();
    }
    expect((await jobRows(ts)).map((row) => row.id)).toEqual([held]);
  });

  it('runners in several processes run each job once', async () => {
    const ts = await freshStore('postgres');
    const clock = manualClock(T0);
    for (let i = 0; i < 20; i++) {
      await ts.store.jobs.enqueue({ kind: 'count', payload: String(i), runAt: T0 });
    }
    const ran: unknown[] = [];
    await onSeveralProcesses(ts, 3, async (stores) => {
      const runners = stores.map((store) =>
        createJobRunner(store.jobs, { clock, logger: loggedLines().logger, pollMs: 0 }),
      );
      for (const runner of runners) {
        runner.start({
          async count(payload) {
            ran.push(payload);
          },
        });
      }
      await Promise.all(runners.map((runner) => runner.idle()));
      await Promise.all(runners.map((runner) => runner.stop()));
    });
    expect([...ran].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });
});
