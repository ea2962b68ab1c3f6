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
 * sends); a request without one runs on the shared clock (namespace ''). How far each clock has
 * moved is kept by the store (`store.testMode`), so every process of a server in test mode runs
 * a test on the same time (SPEC §11, §12); a request reads its clock's offset once, at its start.
 */
export interface TestClocks {
  /** What services read: the base time plus the offset of the running request's clock. */
  clock: Clock;
  /** Runs a request on a clock, its offset read first. */
  run<T>(namespace: string, work: () => Promise<T>): Promise<T>;
  /** The running request's clock was moved: its new offset, as the store counted it. */
  moved(offsetMs: number): void;
  /** How far the running request's clock is ahead of the base time. */
  offsetMs(): number;
  /** The clock the running request is on. */
  current(): string;
}

/** Where the clocks' offsets are kept: `store.testMode` on either store. */
export interface ClockOffsets {
  clockOffset(namespace: string): Promise<number>;
}

export function testClocks(base: Clock, offsets: ClockOffsets): TestClocks {
  const running = new AsyncLocalStorage<{
    namespace: string;
    offsetMs: number | { unread: unknown };
  }>();
  const offsetMs = () => {
    const offset = running.getStore()?.offsetMs ?? 0;
    // The offset could not be read (the database did not answer): a request that needs the
    // time fails as one that needs the database does; one that does not (liveness) answers.
    if (typeof offset !== 'number') throw offset.unread;
    return offset;
  };
  return {
    clock: { now: () => base.now() + offsetMs() },
    run: async (namespace, work) => {
      let offset: number | { unread: unknown };
      try {
        offset = await offsets.clockOffset(namespace);
      } catch (error) {
        offset = { unread: error };
      }
      return running.run({ namespace, offsetMs: offset }, work);
    },
    moved: (offset) => {
      const request = running.getStore();
      if (request) request.offsetMs = offset;
    },
    offsetMs,
    current: () => running.getStore()?.namespace ?? '',
  };
}

export const toIso = (ms: number) => new Date(ms).toISOString();
