import { ApiError } from '@onbehalf/api-client/api-error';
import type { Session } from '@onbehalf/contracts/auth';
import type { LinkPreview } from '@onbehalf/contracts/login-links';
import { describe, expect, it } from 'vitest';
import {
  linkFailureFromError,
  maskEmail,
  parseLoginToken,
  signedInAsSomeoneElse,
} from './link-outcome.ts';

const session = (user: Session['user']): Session => ({
  id: 's-1',
  method: 'password',
  createdAt: '2026-01-01T09:00:00.000Z',
  expiresAt: '2026-01-02T09:00:00.000Z',
  user,
  activeProfile: null,
  needsProfile: false,
  permissions: [],
  authenticationFactors: [],
});

const ben = {
  id: 5,
  email: 'buyer@acme.test',
  name: 'Ben Brooks',
  kind: 'customer',
  operatorRole: null,
} as const;
const jane = {
  id: 3,
  email: 'member@acme.test',
  name: 'Jane Doe',
  kind: 'customer',
  operatorRole: null,
} as const;
const bensLink: NonNullable<LinkPreview['account']> = {
  name: 'Ben Brooks',
  email: 'b•••@acme.test',
  organizationName: 'Acme Corp',
  kind: 'user',
};
const guestLink: NonNullable<LinkPreview['account']> = {
  name: 'Guest',
  email: '',
  organizationName: null,
  kind: 'anonymous',
};

describe('linkFailureFromError', () => {
  it('gives each dead link its own page', () => {
    expect(linkFailureFromError(new ApiError(410, 'link_expired', 'x'))).toBe('expired');
    expect(linkFailureFromError(new ApiError(410, 'link_used', 'x'))).toBe('used');
    expect(linkFailureFromError(new ApiError(410, 'link_revoked', 'x'))).toBe('revoked');
    expect(linkFailureFromError(new ApiError(400, 'link_invalid', 'x'))).toBe('invalid');
    expect(linkFailureFromError(new ApiError(400, 'validation_failed', 'x'))).toBe('invalid');
  });

  it('leaves other errors to be shown as they are', () => {
    expect(linkFailureFromError(new ApiError(429, 'rate_limited', 'x'))).toBeNull();
    expect(linkFailureFromError(new ApiError(403, 'impersonation_restricted', 'x'))).toBeNull();
    expect(linkFailureFromError(new Error('boom'))).toBeNull();
  });
});

describe('parsing the login token from the address', () => {
  it('refuses what cannot be a token, without asking the server', () => {
    expect(parseLoginToken(null)).toBeNull();
    expect(parseLoginToken('  ')).toBeNull();
    expect(parseLoginToken(' 12.secret ')).toBe('12.secret');
  });
});

describe('signedInAsSomeoneElse', () => {
  it('masks an email as the server does', () => {
    expect(maskEmail('buyer@acme.test')).toBe('b•••@acme.test');
  });

  it('is false for a visitor, and for the same person', () => {
    expect(signedInAsSomeoneElse(null, bensLink)).toBe(false);
    expect(signedInAsSomeoneElse(session(ben), bensLink)).toBe(false);
    expect(signedInAsSomeoneElse(session(ben), bensLink, 5)).toBe(false);
    expect(signedInAsSomeoneElse(session(null), guestLink)).toBe(false);
  });

  it('is true for another person, a guest, or a guest link', () => {
    expect(signedInAsSomeoneElse(session(jane), bensLink)).toBe(true);
    expect(signedInAsSomeoneElse(session(jane), bensLink, 5)).toBe(true);
    expect(signedInAsSomeoneElse(session(null), bensLink)).toBe(true);
    expect(signedInAsSomeoneElse(session(ben), guestLink)).toBe(true);
  });
});
