import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from './scenarios.ts';
import {
  applyRatios,
  check,
  type Measured,
  rssThroughout,
  type SynchronousPass,
  synchronousCost,
} from './targets.ts';

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
  rssMaxMiB: 125,
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

  it('fails cold start, memory and the portal bundle past their limits', () => {
    const heavy = run([scenario({ rssMaxMiB: 201 })], {
      coldStartMs: 701,
      portal: { initialJsGzipKB: 120.5 },
    });
    expect(check(heavy)).toEqual([
      'cold start 701 ms > 700 ms',
      'RSS 201 MiB > 200 MiB',
      'initial JS 120.5 KB > 120 KB',
    ]);
  });

  it('holds every scenario to the memory limit: sign-in, the exports and the synchronous passes too', () => {
    const signIn = scenario({ name: 'sign-in (argon2id)', rssMaxMiB: 170 });
    expect(rssThroughout(run([scenario({}), signIn]))).toBe(170);
    const pass: SynchronousPass = {
      synchronous: 'NORMAL',
      calibrationRequestsPerSecond: 7000,
      scenarios: [scenario({ name: '[NORMAL] one-click redemption', rssMaxMiB: 205 })],
    };
    expect(check(run([scenario({})], { synchronousPasses: [pass] }))).toEqual([
      'RSS 205 MiB > 200 MiB',
    ]);
  });

  it('fails an export that was refused or cut short, and a failed request in a synchronous pass', () => {
    const exported = {
      path: '/api/sys/audit-events/export?format=csv',
      status: 200,
      ms: 30_000,
      firstByteMs: 20,
      bytes: 300_000_000,
      rows: 999_500,
      expectedRows: 1_000_000,
      lastLine: '',
    };
    const during = scenario({ name: 'health during export', p99Ms: 12, target: { p99Ms: 50 } });
    const pass: SynchronousPass = {
      synchronous: 'FULL',
      calibrationRequestsPerSecond: 7000,
      scenarios: [scenario({ name: '[FULL] profile switch', non2xx: 3 })],
    };
    expect(check(run([{ ...during, export: exported }], { synchronousPasses: [pass] }))).toEqual([
      'health during export: the export answered 200 with 999500 of 1000000 rows',
      '[FULL] profile switch: 0 errors, 3 non-2xx responses',
    ]);
    expect(check(run([{ ...during, export: { ...exported, rows: 1_000_000 } }]))).toEqual([]);
  });
});

describe('the cost of synchronous=FULL', () => {
  it('pairs the scenarios of both passes by name and compares their ratios', () => {
    const pass = (
      synchronous: 'FULL' | 'NORMAL',
      ratio: number,
      p99Ms: number,
    ): SynchronousPass => ({
      synchronous,
      calibrationRequestsPerSecond: 7000,
      scenarios: [
        scenario({ name: `[${synchronous}] calibration: GET /api/health`, ratio: 1 }),
        scenario({
          name: `[${synchronous}] one-click redemption`,
          unitsPerSecond: ratio * 7000,
          ratio,
          p99Ms,
          serverCpuUsPerRequest: 500,
        }),
      ],
    });
    const [cost, ...rest] = synchronousCost([pass('NORMAL', 0.3, 10), pass('FULL', 0.24, 14)]);
    expect(rest).toEqual([]);
    expect(cost?.name).toBe('one-click redemption');
    expect(cost?.cost).toBeCloseTo(0.2);
    expect(cost).toMatchObject({ fullP99: 14, normalP99: 10, fullCpu: 500, normalCpu: 500 });
  });
});
