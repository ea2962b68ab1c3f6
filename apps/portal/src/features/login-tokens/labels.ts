import type {
  AttemptOutcome,
  CredentialEndReason,
  LoginTokenState,
  LoginTokenUse,
} from '@onbehalf/contracts/login-links';
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

/**
 * "Who will use it?" in the New Login Token popup: each answer makes a different kind of
 * credential (SPEC §4b), so each says in a sentence what it means.
 */
export const loginTokenUseChoices: Record<LoginTokenUse, { label: string; detail: string }> = {
  email: {
    label: 'The customer',
    detail: 'We email the login URL to them. You never see it; only their mailbox can use it.',
  },
  support: {
    label: 'Me, for support',
    detail:
      'You open it to see their view. It is an impersonation: it needs a reason, opens only for you while you are signed in as yourself, and shows in their access history.',
  },
  integration: {
    label: 'An integration (e.g. OCI punch-out)',
    detail:
      'A system signs them in with it. Only where their organization allows integrations, never for admins or owners; its sessions cannot change their account.',
  },
};

export const loginTokenUseList = Object.keys(loginTokenUseChoices) as LoginTokenUse[];

/** The same answers in a word, for the token's details. */
export const loginTokenUseLabels: Record<LoginTokenUse, string> = {
  email: 'The customer (emailed to them)',
  support: 'Its maker, for support (an impersonation)',
  integration: 'An integration',
};

/** Why a token stopped working before its expiry. */
export const credentialEndReasonLabels: Record<CredentialEndReason, string> = {
  deleted: 'Deleted',
  revoked_by_user: 'Revoked by the person it was for',
  password_changed: 'Their password changed',
  user_disabled: 'Their account was disabled',
  maker_lost_right: 'Its maker lost the right to make it',
  undelivered: 'Its email could not be sent',
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** The popup's default expiry: a week from now, to the minute. */
export function defaultExpiry(now: Date = new Date()): string {
  return toDateTimeLocal(new Date(now.getTime() + 7 * DAY_MS), 'minute');
}
