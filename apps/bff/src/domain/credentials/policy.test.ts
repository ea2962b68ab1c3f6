import { describe, expect, it } from 'vitest';
import { integrationRefusal, madeKindsEnding } from './policy.ts';

const active = (operatorRole: 'support' | 'admin' | 'superadmin' | null) =>
  ({ status: 'active', operatorRole }) as const;
const disabled = (operatorRole: 'support' | 'admin' | 'superadmin' | null) =>
  ({ status: 'disabled', operatorRole }) as const;

describe('what a maker loses with a change of standing (SPEC §4b)', () => {
  it('a right lost ends what was made with it, and nothing else', () => {
    expect(madeKindsEnding(active('superadmin'), active('admin'))).toEqual(['api_key']);
    expect(madeKindsEnding(active('admin'), active('support'))).toEqual([
      'one_click',
      'login_token',
    ]);
    expect(madeKindsEnding(active('superadmin'), active('support'))).toEqual([
      'one_click',
      'login_token',
      'api_key',
    ]);
  });

  it('disabling ends every kind the person could make, and a customer made none', () => {
    expect(madeKindsEnding(active('superadmin'), disabled('superadmin'))).toEqual([
      'one_click',
      'login_token',
      'api_key',
    ]);
    expect(madeKindsEnding(active('admin'), disabled('admin'))).toEqual([
      'one_click',
      'login_token',
    ]);
    expect(madeKindsEnding(active(null), disabled(null))).toEqual([]);
  });

  it('raising, enabling or keeping a role ends nothing', () => {
    expect(madeKindsEnding(active('support'), active('superadmin'))).toEqual([]);
    expect(madeKindsEnding(disabled('admin'), active('admin'))).toEqual([]);
    expect(madeKindsEnding(active('admin'), active('admin'))).toEqual([]);
    // Already disabled: what they made ended then.
    expect(madeKindsEnding(disabled('superadmin'), disabled('support'))).toEqual([]);
  });
});

describe('who may use an integration’s credential (SPEC §4b)', () => {
  const person = { id: 7, kind: 'customer' as const };
  const coworker = { id: 8, kind: 'customer' as const };
  const operator = { id: 9, kind: 'operator' as const };
  it('a system with no session, a guest and the person it is for may', () => {
    expect(integrationRefusal(null, person.id)).toBeNull();
    expect(integrationRefusal({ user: null, impersonation: null }, person.id)).toBeNull();
    expect(integrationRefusal({ user: person, impersonation: null }, person.id)).toBeNull();
  });

  it('staff, or staff acting as a customer, may not', () => {
    expect(integrationRefusal({ user: operator, impersonation: null }, person.id)).toBe(
      'integration_not_for_staff',
    );
    const acting = { user: person, impersonation: { actorUser: operator } };
    expect(integrationRefusal(acting, person.id)).toBe('integration_not_for_staff');
  });

  it('anyone else signed in may not: a coworker, the team admin who set the punch-out up', () => {
    expect(integrationRefusal({ user: coworker, impersonation: null }, person.id)).toBe(
      'integration_not_for_you',
    );
    // A token whose person is unknown to the caller's check is nobody's: refused to a person.
    expect(integrationRefusal({ user: person, impersonation: null }, null)).toBe(
      'integration_not_for_you',
    );
  });
});
