import type { AttemptOutcome, LoginTokenState } from '@onbehalf/contracts/login-links';

export const loginTokenStateLabels: Record<LoginTokenState, string> = {
  active: 'Active',
  expired: 'Expired',
  used: 'Used up',
  deleted: 'Deleted',
};

/** How an attempt ended, in words for people. */
export const attemptOutcomeLabels: Record<AttemptOutcome, string> = {
  success: 'Success',
  expired: 'Expired',
  used: 'Already used',
  deleted: 'Deleted',
  wrong_secret: 'Wrong secret',
  invalid: 'Invalid',
  user_disabled: 'Account disabled',
  password_changed: 'Password changed',
  revoked: 'Withdrawn',
};

const DAY_MS = 24 * 60 * 60 * 1000;
const pad = (n: number) => String(n).padStart(2, '0');

/** A moment as an `<input type="datetime-local">` value, in the browser's own time zone. */
export function toLocalInputValue(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(
    date.getHours(),
  )}:${pad(date.getMinutes())}`;
}

/** The popup's default expiry: a week from now, to the minute. */
export function defaultExpiry(now: Date = new Date()): string {
  return toLocalInputValue(new Date(now.getTime() + 7 * DAY_MS));
}

/** A datetime-local value (local time) as ISO 8601 for the API; null when it is not a date. */
export function localInputToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
