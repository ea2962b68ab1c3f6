import type { AttemptOutcome, LoginTokenState } from '@onbehalf/contracts/login-links';
import { toDateTimeLocal } from '../../lib/datetime-local.ts';

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
  not_maker: 'Not its maker',
  refused: 'Refused by a rule',
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The popup's default expiry: a week from now, to the minute. */
export function defaultExpiry(now: Date = new Date()): string {
  return toDateTimeLocal(new Date(now.getTime() + 7 * DAY_MS), 'minute');
}
