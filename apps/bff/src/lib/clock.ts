/** Time comes from here, so tests can move it instead of sleeping. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock test mode moves forward on request (never back), so expiries need no waiting. */
export interface AdjustableClock extends Clock {
  advance(ms: number): void;
  offsetMs(): number;
}

export function adjustableClock(base: Clock = systemClock): AdjustableClock {
  let offset = 0;
  return {
    now: () => base.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
    offsetMs: () => offset,
  };
}

export const toIso = (ms: number) => new Date(ms).toISOString();
