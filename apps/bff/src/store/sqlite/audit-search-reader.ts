import { Worker } from 'node:worker_threads';
import { databaseDidNotAnswer } from '../../lib/errors.ts';

/** Finds the matches of a free-text audit search, a window at a time (`matchWindow`'s job). */
export interface AuditSearchReader {
  /** The ids of up to `size` matches of `query` below `before`, newest first. */
  match(query: string, before: number, size: number): Promise<number[]>;
}

/**
 * How long a window's answer may take before the search gives up on it (503, try again). One
 * window takes at most ~0.2 s at 1,000,000 events (bench/HISTORY.md): 5 s is a worker that has
 * stopped answering, or a queue of some 25 windows ahead (then this search alone fails, and
 * the worker goes on with the others).
 */
export const ANSWER_TIMEOUT_MS = 5_000;

/**
 * After a worker failed, searches run on the request thread for this long, then a new worker
 * is tried; each failure in a row doubles the wait, up to an hour, and an answer resets it. A
 * passing stall (a machine that paused for seconds) costs a minute, not the process's life.
 */
export const RETRY_AFTER_MS = 60_000;
export const MAX_RETRY_AFTER_MS = 3_600_000;

interface Pending {
  resolve(ids: number[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type Answer =
  | { id: number; ids: number[] }
  | { id: number; error: { message: string; code?: string } };

/**
 * Runs the statements of free-text audit searches in a worker thread, on a read-only connection
 * of its own to `file` (docs/decisions/035-audit-search-off-the-request-thread.md): FTS5
 * gathers every match of the last word typed (a prefix) over the whole index at each
 * statement, 60-180 ms at a million events, time the request thread now spends answering
 * others. In WAL mode the worker sees every transaction committed before its statement.
 *
 * One worker answers every search, one window at a time in the order asked: several searches
 * may wait at once, each matched to its answer by an id. If the worker fails, exits or stops
 * answering, the searches waiting fail with the usual 503 (`not_ready`) and later ones run
 * `inline`, on the request thread, as before, said through `report`, until a new worker is
 * tried (`RETRY_AFTER_MS`).
 */
export function startAuditSearchReader(
  file: string,
  options: {
    /** The same search on the request thread: when the worker is gone. */
    inline: (query: string, before: number, size: number) => number[];
    /**
     * The commit the request connection has open, if any (commit groups): the worker sees only
     * committed writes, and a search must find what was written before it, index included.
     */
    committed?: () => Promise<void> | null;
    /** Where a problem is told (the server's logger); stderr by default. */
    report?: (problem: string) => void;
    /** The worker's file; tests give one that misbehaves. */
    script?: URL;
    /** The clock the retries are timed by; tests give their own. */
    now?: () => number;
  },
): AuditSearchReader & {
  /** Rejects the searches waiting and ends the worker; safe to call more than once. */
  stop(): Promise<void>;
  /** The newest request the worker has answered, read without the event loop. */
  answered(): number;
} {
  const report = options.report ?? ((problem: string) => console.error(problem));
  const now = options.now ?? Date.now;
  // Shared memory: the worker marks each request it has answered before it posts the answer.
  const answered = new Int32Array(new SharedArrayBuffer(4));
  let state: 'worker' | 'inline' | 'stopped' = 'worker';
  let exited = false;
  let retryAfter = RETRY_AFTER_MS;
  let retryAt = 0;
  let lastId = 0;
  const pending = new Map<number, Pending>();
  /**
   * Started at the first search, not at boot: most processes never search, and need not keep a
   * thread and a connection for it (the first search waits for it to open).
   */
  let started: Worker | null = null;
  const workerNow = (): Worker => {
    if (started) return started;
    // Next to this file in the source tree, next to server.js in the bundle.
    const worker = new Worker(
      options.script ?? new URL('./audit-search-worker.js', import.meta.url),
      { workerData: { auditSearch: { file, answered } } },
    );
    // Held only while a search waits for it: an idle worker keeps no process alive.
    worker.unref();
    worker.on('message', (answer: Answer) => {
      const waiting = settle(answer.id);
      if (!waiting) return;
      retryAfter = RETRY_AFTER_MS;
      if ('ids' in answer) return waiting.resolve(answer.ids);
      // What the statement said, as it would have said it on the request thread (a 500).
      waiting.reject(Object.assign(new Error(answer.error.message), { code: answer.error.code }));
    });
    // Only the worker of the moment speaks for the reader: one given up on may still end.
    worker.on('error', (error) => {
      if (worker === started) fallBack(String(error));
    });
    worker.on('exit', (code) => {
      if (worker !== started) return;
      exited = true;
      fallBack(`the audit search worker exited with ${code}`);
    });
    started = worker;
    return worker;
  };

  const settle = (id: number): Pending | undefined => {
    const waiting = pending.get(id);
    if (!waiting) return undefined;
    pending.delete(id);
    clearTimeout(waiting.timer);
    if (pending.size === 0) started?.unref();
    return waiting;
  };
  const rejectAll = () => {
    for (const id of [...pending.keys()]) settle(id)?.reject(databaseDidNotAnswer());
  };
  const fallBack = (why: string) => {
    if (state !== 'worker') return;
    state = 'inline';
    rejectAll();
    retryAt = now() + retryAfter;
    report(
      `Audit searches are back on the request thread: ${why}; a new worker in ${retryAfter / 1000} s`,
    );
    retryAfter = Math.min(retryAfter * 2, MAX_RETRY_AFTER_MS);
    if (!exited) void started?.terminate();
  };
  /** A new worker, its time come: the one before is ended, or ending. */
  const retry = () => {
    state = 'worker';
    started = null;
    exited = false;
  };

  // Ids wrap around at 2^31; a difference between two of them is right while fewer than 2^31
  // requests are in between.
  const isAnswered = (id: number) => ((Atomics.load(answered, 0) - id) | 0) >= 0;

  const send = (query: string, before: number, size: number) =>
    new Promise<number[]>((resolve, reject) => {
      lastId = (lastId + 1) | 0;
      const id = lastId;
      const answeredAtSend = Atomics.load(answered, 0);
      const timer = setTimeout(() => {
        // Answered, and the answer is on its way: timers run before messages are read.
        if (isAnswered(id)) return;
        if (Atomics.load(answered, 0) === answeredAtSend) {
          // Nothing answered since this was asked: the worker is stuck.
          return fallBack(`no answer in ${ANSWER_TIMEOUT_MS} ms`);
        }
        // Behind, not stuck: this search fails, the queue goes on.
        settle(id)?.reject(databaseDidNotAnswer());
      }, ANSWER_TIMEOUT_MS);
      timer.unref();
      pending.set(id, { resolve, reject, timer });
      const worker = workerNow();
      worker.ref();
      worker.postMessage({ id, query, before, size });
    });

  return {
    async match(query, before, size) {
      const commit = options.committed?.();
      if (commit) await commit;
      if (state === 'inline' && now() >= retryAt) retry();
      if (state === 'worker') return send(query, before, size);
      if (state === 'stopped') throw databaseDidNotAnswer();
      return options.inline(query, before, size);
    },
    answered: () => Atomics.load(answered, 0),
    async stop() {
      state = 'stopped';
      rejectAll();
      if (started && !exited) await started.terminate();
    },
  };
}
