import type { Actor, Session } from '@onbehalf/contracts/auth';
import { describe, expect, it } from 'vitest';
import { unexplainedEnd, withImpersonationEndNotice } from './impersonation-end.ts';

const actor: Actor = {
  user: {
    id: 2,
    email: 'admin@acme.test',
    name: 'Adam Alvarez',
    kind: 'customer',
    operatorRole: null,
  },
  profileId: 12,
  impersonationId: 'imp-1',
  door: 'team',
  reason: null,
  endsAt: '2026-01-01T10:00:00.000Z',
};

const base: Session = {
  id: 's-1',
  method: 'password',
  createdAt: '2026-01-01T09:00:00.000Z',
  expiresAt: '2026-01-02T09:00:00.000Z',
  user: {
    id: 3,
    email: 'member@acme.test',
    name: 'Jane Doe',
    kind: 'customer',
    operatorRole: null,
  },
  activeProfile: null,
  needsProfile: false,
  permissions: [],
  authenticationFactors: [],
};

const impersonating: Session = { ...base, id: 's-imp', method: 'impersonation', actor };
const own: Session = { ...base, id: 's-own', user: actor.user };

describe('withImpersonationEndNotice', () => {
  it('keeps the server’s own reason', () => {
    const ended = {
      ...own,
      impersonationEnded: {
        reason: 'expired',
        message: 'The impersonation reached its time limit.',
      },
    };
    expect(withImpersonationEndNotice(impersonating, ended)).toBe(ended);
  });

  it('adds a notice when an impersonation vanished without one', () => {
    expect(withImpersonationEndNotice(impersonating, own).impersonationEnded).toEqual(
      unexplainedEnd,
    );
  });

  it('says nothing while the same impersonation goes on', () => {
    expect(withImpersonationEndNotice(impersonating, impersonating)).toBe(impersonating);
  });

  it('says nothing when there was no impersonation before, or no session cached at all', () => {
    expect(withImpersonationEndNotice(own, own)).toBe(own);
    expect(withImpersonationEndNotice(undefined, impersonating)).toBe(impersonating);
    expect(withImpersonationEndNotice(null, own)).toBe(own);
  });
});
