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
  /** Server CPU time (user + system) spent per request during the scenario. */
  serverCpuUsPerRequest?: number;
  note?: string;
  target?: Target;
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
export type Ctx = { handoff?: string };

export async function runScenario(
  origin: string,
  spec: ScenarioSpec,
  defaults: { duration: number; connections: number },
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
