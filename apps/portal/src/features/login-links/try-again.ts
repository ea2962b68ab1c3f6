/** A 429's Retry-After (seconds) as a person would wait it out: whole minutes, at least one. */
export function tryAgainMessage(retryAfterSeconds: number | null): string {
  if (!retryAfterSeconds) return 'Too many requests. Try again later.';
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many requests. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
