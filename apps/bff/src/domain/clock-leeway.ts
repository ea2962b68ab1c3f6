/**
 * How far ahead of the reader's clock a row may be stamped and still count (ADR 038).
 *
 * Every lifetime in the product (a session's 12 hours, an impersonation's 60 minutes, a
 * hand-off's 60 seconds, a link's minutes) is measured from when its row was made, by the clock
 * of the process that made it, and checked by the clock of the process that reads it. Servers'
 * clocks differ by milliseconds; test mode's clocks (SPEC §12) by as much as a test moved its
 * own. A row read on a clock behind the one it was made on would live that much longer than its
 * limit: an impersonation made on a test clock 24 hours ahead and used on another test's clock
 * ran for 25 hours. A row stamped later than the reader's now (plus this leeway, for servers'
 * clocks) is not usable yet, so nothing ever lives longer than its limit plus the leeway.
 */
export const CLOCK_LEEWAY_MS = 60_000;

/** Whether a row stamped `at` was made on a clock ahead of `now`: not usable on this one. */
export function madeAhead(at: number, now: number): boolean {
  return at > now + CLOCK_LEEWAY_MS;
}
