import { AsyncLocalStorage } from 'node:async_hooks';

/** Time comes from here, so tests can move it instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Test mode's clocks: each test moves its own clock forward (never back), so its expiries need
 * no waiting and never cut short another test running beside it. A request says whose clock it
 * runs on with the `x-onbehalf-test-clock` header (the QA kit sets it on everything a test
 * sends); a request without one runs on the shared clock (namespace '').
 */
export interface TestClocks {
  /** What services read: the base time plus the offset of the running request's clock. */
  clock: Clock;
  /** Runs a request on a clock. */
  run<T>(namespace: string, work: () => T): T;
  advance(namespace: string, ms: number): void;
  offsetMs(namespace: string): number;
  /** The clock the running request is on. */
  current(): string;
}

export function testClocks(base: Clock = systemClock): TestClocks {
  const offsets = new Map<string, number>();
  const running = new AsyncLocalStorage<string>();
  const current = () => running.getStore() ?? '';
  const offsetMs = (namespace: string) => offsets.get(namespace) ?? 0;
  return {
    clock: { now: () => base.now() + offsetMs(current()) },
    run: (namespace, work) => running.run(namespace, work),
    advance: (namespace, ms) => {
      offsets.set(namespace, offsetMs(namespace) + ms);
    },
    offsetMs,
    current,
  };
}

export const toIso = (ms: number) => new Date(ms).toISOString();
