import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';

/** What a scenario must reach: a minimum ratio to calibration, or a maximum p99 latency. */
export interface Target {
  ratio?: number;
  p99Ms?: number;
}

export interface ScenarioResult {
  name: string;
  requestsPerSecond: number;
  /** For multi-step scenarios: complete sequences per second. */
  unitsPerSecond: number;
  unit: string;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  non2xx: number;
  ratio?: number;
  /** The server's resident memory right after the scenario. */
  rssMiB?: number;
  /** The most resident memory sampled during the scenario, its warm-up included. */
  rssMaxMiB?: number;
  /** Server CPU time (user + system) spent per request during the scenario. */
  serverCpuUsPerRequest?: number;
  /** On PostgreSQL: its server's CPU time (every backend's) spent per request. */
  databaseCpuUsPerRequest?: number;
  /** On PostgreSQL: statements it ran per request (round trips, BEGIN and COMMIT included). */
  statementsPerRequest?: number;
  /** Group commits during the scenario (one WAL sync each under synchronous=FULL); SQLite only. */
  commits?: number;
  /** Transactions those commits held. */
  committedTransactions?: number;
  note?: string;
  target?: Target;
  /** For a scenario measured while an export runs: what the export did. */
  export?: ExportResult;
  /** For a scenario measured while audit searches run: what they did. */
  searches?: SearchesResult;
}

/** Free-text audit searches, one after another, while another scenario is measured. */
export interface SearchesResult {
  path: string;
  requests: number;
  /** Searches answered anything but 200, by status. */
  failed: Record<string, number>;
  /** Each query's searches: how many, and their time from request to the body's last byte. */
  byQuery: { q: string; count: number; meanMs: number; maxMs: number }[];
}

export interface ExportResult {
  path: string;
  status: number;
  /** From the request to the last byte read. */
  ms: number;
  firstByteMs: number;
  bytes: number;
  /** Events in the body (CSV lines other than the header and the closing note). */
  rows: number;
  /** The rows it had to hold to be complete. */
  expectedRows: number;
  /** The body's last line. */
  lastLine: string;
}

export interface ScenarioSpec {
  name: string;
  unit?: string;
  /** Requests per unit (e.g. 2 for issue + exchange). */
  stepsPerUnit?: number;
  options: Omit<autocannon.Options, 'url'> & { url?: string };
  /** Requests sent before measuring (JIT warm-up); pools are sized to cover them. */
  warmUpRequests?: number;
  note?: string;
  target?: Target;
}

/** Per-connection state the multi-step scenarios carry between requests. */
export type Ctx = { handoff?: string; admin?: string };

export async function runScenario(
  origin: string,
  spec: ScenarioSpec,
  defaults: { duration: number; connections: number },
  /** Stops the run early: after this many seconds, or once this promise settles. */
  stop: { afterSeconds?: number; when?: Promise<unknown> } = {},
) {
  const started = performance.now();
  let lastResponse = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        connections: defaults.connections,
        duration: defaults.duration,
        ...spec.options,
        url: spec.options.url ?? origin,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    // autocannon notices that a run bounded by `amount` is over only at its next one-second
    // tick, and counts the idle rest of that second; the clock stops at the last answer here.
    instance.on('response', () => {
      lastResponse = performance.now();
    });
    const timer =
      stop.afterSeconds === undefined
        ? undefined
        : setTimeout(() => instance.stop(), stop.afterSeconds * 1000);
    instance.on('done', () => clearTimeout(timer));
    const end = () => instance.stop();
    stop.when?.then(end, end);
  });
  const steps = spec.stepsPerUnit ?? 1;
  const seconds = (lastResponse - started) / 1000 || defaults.duration;
  const requestsPerSecond = result.requests.total / seconds;
  const out: ScenarioResult = {
    name: spec.name,
    requestsPerSecond,
    unitsPerSecond: requestsPerSecond / steps,
    unit: spec.unit ?? 'request',
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    ...(spec.note ? { note: spec.note } : {}),
    ...(spec.target ? { target: spec.target } : {}),
  };
  return out;
}

/** Hands out items of a pool in turn; a scenario stops before it runs dry. */
export function pool<T>(items: T[]) {
  let next = 0;
  return {
    take(): T {
      const item = items[next % items.length] as T;
      next += 1;
      return item;
    },
  };
}

/** The worker's code: fetch, read every chunk, count bytes and lines, keep the last line. */
const DOWNLOAD = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const started = performance.now();
  const res = await fetch(workerData.url, { headers: { authorization: 'Bearer ' + workerData.token } });
  let bytes = 0;
  let lines = 0;
  let firstByteMs = 0;
  let tail = '';
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes === 0) firstByteMs = performance.now() - started;
    bytes += value.length;
    for (let i = value.indexOf(10); i !== -1; i = value.indexOf(10, i + 1)) lines += 1;
    tail = (tail + Buffer.from(value.subarray(Math.max(0, value.length - 1000))).toString()).slice(-1000);
  }
  const lastLine = tail.trimEnd().split('\\n').at(-1) ?? '';
  parentPort.postMessage({ status: res.status, ms: performance.now() - started, firstByteMs, bytes, lines, lastLine: lastLine.trim() });
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

/**
 * Downloads an export in a worker thread, reading the whole streamed body (the server reads a
 * page only when the one before was taken), so that the load generator on this thread measures
 * the server and not the time this process spends reading the body.
 */
export function download(
  url: string,
  token: string,
): Promise<Omit<ExportResult, 'path' | 'expectedRows' | 'rows'> & { lines: number }> {
  const worker = new Worker(DOWNLOAD, { eval: true, workerData: { url, token } });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { error?: string }) => {
      void worker.terminate();
      if (message.error) reject(new Error(message.error));
      else resolve(message as never);
    });
    worker.once('error', reject);
  });
}

/** The worker's code: one search after another, each read to its end, until `seconds` pass. */
const SEARCHES = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { origin, path, queries, token, seconds } = workerData;
  const deadline = performance.now() + seconds * 1000;
  const byQuery = queries.map((q) => ({ q, count: 0, totalMs: 0, maxMs: 0 }));
  const failed = {};
  let requests = 0;
  for (let i = 0; performance.now() < deadline; i++) {
    const query = byQuery[i % byQuery.length];
    const started = performance.now();
    const url = origin + path + '?limit=50&query=' + encodeURIComponent(query.q);
    const res = await fetch(url, { headers: { authorization: 'Bearer ' + token } });
    await res.arrayBuffer();
    const ms = performance.now() - started;
    requests += 1;
    query.count += 1;
    query.totalMs += ms;
    query.maxMs = Math.max(query.maxMs, ms);
    if (res.status !== 200) failed[res.status] = (failed[res.status] ?? 0) + 1;
  }
  parentPort.postMessage({
    requests,
    failed,
    byQuery: byQuery.map(({ q, count, totalMs, maxMs }) => ({ q, count, meanMs: totalMs / (count || 1), maxMs })),
  });
})().catch((error) => parentPort.postMessage({ error: String(error) }));
`;

/**
 * Runs free-text searches of the audit trail at `path`, one after another, cycling through
 * `queries`, for `seconds`, in a worker thread: the load generator on this thread measures
 * the server meanwhile, not this process.
 */
export function searchLoop(
  origin: string,
  path: string,
  queries: string[],
  token: string,
  seconds: number,
): Promise<SearchesResult> {
  const worker = new Worker(SEARCHES, {
    eval: true,
    workerData: { origin, path, queries, token, seconds },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (message: { error?: string }) => {
      void worker.terminate();
      if (message.error) reject(new Error(message.error));
      else resolve({ path, ...(message as Omit<SearchesResult, 'path'>) });
    });
    worker.once('error', reject);
  });
}
