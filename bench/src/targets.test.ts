import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from './scenarios.ts';
import {
  applyRatios,
  check,
  type Measured,
  rssThroughout,
  type SynchronousPass,
  synchronousCost,
  TARGETS,
  targetFor,
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

  it('fails health during searches past 50 ms, and searches that failed or never ran', () => {
    const searches = {
      path: '/api/sys/audit-events',
      requests: 40,
      failed: {},
      byQuery: [{ q: 'passw', count: 40, meanMs: 120, maxMs: 180 }],
    };
    const during = (overrides: Partial<ScenarioResult>) =>
      scenario({
        name: 'health during audit searches',
        target: targetFor('sqlite', 'healthDuringSearches').target,
        searches,
        ...overrides,
      });
    expect(check(run([during({ p99Ms: 50 })]))).toEqual([]);
    expect(
      check(
        run([
          during({ p99Ms: 51 }),
          during({ searches: { ...searches, failed: { 503: 2 } } }),
          during({ searches: { ...searches, requests: 0 } }),
        ]),
      ),
    ).toEqual([
      'health during audit searches: p99 51 ms > 50 ms',
      'health during audit searches: 40 searches, failed {"503":2}',
      'health during audit searches: 0 searches, failed {}',
    ]);
  });

  it('holds every scenario to the memory limit: sign-in, the exports and the synchronous passes too', () => {
    const signIn = scenario({ name: 'sign-in (argon2id)', rssMaxMiB: 170 });
    expect(rssThroughout(run([scenario({}), signIn]))).toBe(170);
    const pass: SynchronousPass = {
      synchronous: 'NORMAL',
      scenarios: [scenario({ name: '[NORMAL 1] one-click redemption', rssMaxMiB: 205 })],
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
      scenarios: [scenario({ name: '[FULL 1] profile switch', non2xx: 3 })],
    };
    expect(check(run([{ ...during, export: exported }], { synchronousPasses: [pass] }))).toEqual([
      'health during export: the export answered 200 with 999500 of 1000000 rows',
      '[FULL 1] profile switch: 0 errors, 3 non-2xx responses',
    ]);
    expect(check(run([{ ...during, export: { ...exported, rows: 1_000_000 } }]))).toEqual([]);
  });
});

describe('the cost of synchronous=FULL', () => {
  it('pairs the scenarios of both settings by name, over the mean of their passes', () => {
    const pass = (label: string, rate: number, p99Ms: number, cpu: number): SynchronousPass => ({
      synchronous: label.startsWith('FULL') ? 'FULL' : 'NORMAL',
      scenarios: [
        scenario({
          name: `[${label}] one-click redemption`,
          unitsPerSecond: rate,
          p99Ms,
          serverCpuUsPerRequest: cpu,
          requests: 1000,
          commits: rate / 10,
        }),
      ],
    });
    const [cost, ...rest] = synchronousCost([
      pass('NORMAL 1', 2200, 10, 500),
      pass('FULL 1', 1700, 14, 520),
      pass('FULL 2', 1500, 16, 540),
      pass('NORMAL 2', 1800, 12, 500),
    ]);
    expect(rest).toEqual([]);
    expect(cost).toMatchObject({
      name: 'one-click redemption',
      fullRate: 1600,
      normalRate: 2000,
      fullP99: 15,
      normalP99: 11,
      fullCpu: 530,
      normalCpu: 500,
      fullCommitsPerRequest: 0.16,
    });
    expect(cost?.cost).toBeCloseTo(0.2);
  });
});

describe('the targets of each store', () => {
  it('on SQLite, are those of issue 13: ratios for the hot paths, p99 for the pages and the exports', () => {
    const { sessionCheck, profilesList, impersonationPair, redemption, page } = TARGETS.sqlite;
    const ratios = [sessionCheck, profilesList, impersonationPair, redemption].map((t) => t.ratio);
    expect(ratios).toEqual([0.5, 0.35, 0.15, 0.2]);
    expect([page.p99Ms, TARGETS.sqlite.healthDuringExport.p99Ms]).toEqual([20, 50]);
    expect([TARGETS.sqlite.other, TARGETS.sqlite.signIn]).toEqual([{}, {}]);
  });

  it('on PostgreSQL, are those of issue 15: three ratios, and p99 ≤ 20 ms on every scenario but sign-in and the exports', () => {
    expect(TARGETS.postgres.sessionCheck).toEqual({ ratio: 0.3, p99Ms: 20 });
    expect(TARGETS.postgres.redemption).toEqual({ ratio: 0.08, p99Ms: 20 });
    expect(TARGETS.postgres.impersonationPair).toEqual({ ratio: 0.04, p99Ms: 20 });
    const { signIn, healthDuringExport, healthDuringSearches, ...rest } = TARGETS.postgres;
    for (const target of Object.values(rest)) expect(target.p99Ms).toBe(20);
    expect(signIn).toEqual({});
    expect(healthDuringExport).toEqual({ p99Ms: 50 });
    expect(healthDuringSearches).toEqual({ p99Ms: 50 });
  });

  it('hold /api/health to 50 ms at p99 on both stores while audit searches run (SPEC §8b)', () => {
    expect(targetFor('sqlite', 'healthDuringSearches')).toEqual({ target: { p99Ms: 50 } });
    expect(targetFor('postgres', 'healthDuringSearches')).toEqual({ target: { p99Ms: 50 } });
  });

  it('give a scenario without a target no target field', () => {
    expect(targetFor('sqlite', 'other')).toEqual({});
    expect(targetFor('postgres', 'other')).toEqual({ target: { p99Ms: 20 } });
  });

  it('fail a PostgreSQL scenario on its ratio and on its p99 alike', () => {
    const { target } = targetFor('postgres', 'redemption');
    const slow = scenario({ name: 'one-click redemption', ratio: 0.079, p99Ms: 21, target });
    const met = scenario({ name: 'login-token redemption', ratio: 0.08, p99Ms: 20, target });
    const switched = scenario({
      name: 'profile switch',
      p99Ms: 25,
      ...targetFor('postgres', 'other'),
    });
    expect(check(run([slow, met, switched]))).toEqual([
      'one-click redemption: ratio 0.079 < 0.08',
      'one-click redemption: p99 21 ms > 20 ms',
      'profile switch: p99 25 ms > 20 ms',
    ]);
  });
});
