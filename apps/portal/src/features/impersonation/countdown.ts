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

/**
 * How far the server's clock is ahead of this browser's (negative: behind), from a session read
 * at `receivedAt` on this clock whose answer says the server's time (`asOf`); 0 when it does
 * not say. A browser's clock may be off by hours, and a test's clock is the server's to move.
 */
export function serverSkewMs(asOf: string | undefined, receivedAt: number): number {
  const server = asOf === undefined ? Number.NaN : Date.parse(asOf);
  return Number.isFinite(server) && receivedAt > 0 ? server - receivedAt : 0;
}
