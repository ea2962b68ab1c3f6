import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from './scenarios.ts';
import { applyRatios, check, type Measured, rssUnderLoad } from './targets.ts';

const scenario = (overrides: Partial<ScenarioResult>): ScenarioResult => ({
  name: 'session check (bearer)',
  requestsPerSecond: 4000,
  unitsPerSecond: 4000,
  unit: 'request',
  p50Ms: 1,
  p99Ms: 5,
  requests: 20_000,
  errors: 0,
  non2xx: 0,
  rssMiB: 120,
  ...overrides,
});

const run = (scenarios: ScenarioResult[], overrides: Partial<Measured> = {}): Measured => ({
  scenarios,
  coldStartMs: 400,
  rssMiB: { afterWarmUp: 115 },
  portal: { initialJsGzipKB: 100 },
  ...overrides,
});

describe('ratios', () => {
  it('count units (pairs) over the mean of the calibration runs', () => {
    const pair = scenario({ name: 'pair', requestsPerSecond: 2200, unitsPerSecond: 1100 });
    const rate = applyRatios([pair], [{ requestsPerSecond: 6000 }, { requestsPerSecond: 8000 }]);
    expect(rate).toBe(7000);
    expect(pair.ratio).toBeCloseTo(1100 / 7000);
  });
});

describe('the pass/fail check', () => {
  it('passes a run that meets every target', () => {
    const met = scenario({ ratio: 0.5, target: { ratio: 0.5 } });
    const fast = scenario({ name: 'audit page', p99Ms: 20, target: { p99Ms: 20 } });
    expect(check(run([met, fast]))).toEqual([]);
  });

  it('fails a ratio below its target and a p99 above its limit', () => {
    const slow = scenario({ ratio: 0.149, target: { ratio: 0.15 } });
    const late = scenario({ name: 'audit page', p99Ms: 21, target: { p99Ms: 20 } });
    expect(check(run([slow, late]))).toEqual([
      'session check (bearer): ratio 0.149 < 0.15',
      'audit page: p99 21 ms > 20 ms',
    ]);
  });

  it('fails any scenario that saw an error or a non-2xx answer, target or not', () => {
    const failed = check(run([scenario({ non2xx: 1 }), scenario({ name: 'other', errors: 2 })]));
    expect(failed).toEqual([
      'session check (bearer): 0 errors, 1 non-2xx responses',
      'other: 2 errors, 0 non-2xx responses',
    ]);
  });

  it('fails cold start, memory under load and the portal bundle past their limits', () => {
    const heavy = run([scenario({ rssMiB: 151 })], {
      coldStartMs: 701,
      portal: { initialJsGzipKB: 120.5 },
    });
    expect(check(heavy)).toEqual([
      'cold start 701 ms > 700 ms',
      'RSS under load 151 MiB > 150 MiB',
      'initial JS 120.5 KB > 120 KB',
    ]);
  });

  it('leaves sign-in out of memory under load, since argon2id is reported apart', () => {
    const measured = run([scenario({}), scenario({ name: 'sign-in (argon2id)', rssMiB: 170 })]);
    expect(rssUnderLoad(measured)).toBe(120);
    expect(check(measured)).toEqual([]);
  });
});
