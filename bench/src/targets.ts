import type { ScenarioResult } from './scenarios.ts';

/** The limits that belong to the whole run rather than to one scenario. */
export const LIMITS = { coldStartMs: 700, rssUnderLoadMiB: 150, initialJsGzipKB: 120 } as const;

/** What the pass/fail check reads from a run. */
export interface Measured {
  scenarios: ScenarioResult[];
  coldStartMs: number;
  rssMiB: { afterWarmUp: number };
  portal: { initialJsGzipKB: number };
}

/**
 * Sets every scenario's ratio: its units (requests, or pairs) per second over the mean of the
 * calibration runs, which the machine's drift moves apart. Returns that mean.
 */
export function applyRatios(
  results: ScenarioResult[],
  calibrations: Pick<ScenarioResult, 'requestsPerSecond'>[],
): number {
  const rate = calibrations.reduce((sum, c) => sum + c.requestsPerSecond, 0) / calibrations.length;
  for (const r of results) r.ratio = r.unitsPerSecond / rate;
  return rate;
}

/**
 * The most the server held across the hot-path scenarios. Sign-in is reported apart: argon2id
 * holds 19 MiB of native memory per hash in flight (at most one per core, see passwords.ts).
 */
export function rssUnderLoad(run: Measured): number {
  const hot = run.scenarios.filter((s) => !s.name.startsWith('sign-in'));
  return Math.max(run.rssMiB.afterWarmUp, ...hot.map((s) => s.rssMiB ?? 0));
}

/** Every target missed and every scenario that saw a failed request, one line each. */
export function check(run: Measured): string[] {
  const failures: string[] = [];
  for (const s of run.scenarios) {
    if (s.errors || s.non2xx)
      failures.push(`${s.name}: ${s.errors} errors, ${s.non2xx} non-2xx responses`);
    const target = s.target;
    if (target?.ratio && (s.ratio ?? 0) < target.ratio)
      failures.push(`${s.name}: ratio ${s.ratio?.toFixed(3)} < ${target.ratio}`);
    if (target?.p99Ms && s.p99Ms > target.p99Ms)
      failures.push(`${s.name}: p99 ${s.p99Ms} ms > ${target.p99Ms} ms`);
  }
  if (run.coldStartMs > LIMITS.coldStartMs)
    failures.push(`cold start ${run.coldStartMs.toFixed(0)} ms > ${LIMITS.coldStartMs} ms`);
  const rss = rssUnderLoad(run);
  if (rss > LIMITS.rssUnderLoadMiB)
    failures.push(`RSS under load ${rss.toFixed(0)} MiB > ${LIMITS.rssUnderLoadMiB} MiB`);
  if (run.portal.initialJsGzipKB > LIMITS.initialJsGzipKB)
    failures.push(
      `initial JS ${run.portal.initialJsGzipKB.toFixed(1)} KB > ${LIMITS.initialJsGzipKB} KB`,
    );
  return failures;
}
