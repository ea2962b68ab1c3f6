/**
 * Time left, as the banner says it: whole minutes rounded up ("42 min"), seconds in the last
 * minute ("35 s"), never below "0 s".
 */
export function formatRemaining(milliseconds: number): string {
  const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
  if (seconds < 60) return `${seconds} s`;
  return `${Math.ceil(seconds / 60)} min`;
}

/** Milliseconds from `now` until `endsAt` (ISO 8601), never negative. */
export function remainingMs(endsAt: string, now: number): number {
  const end = Date.parse(endsAt);
  return Number.isFinite(end) ? Math.max(0, end - now) : 0;
}
