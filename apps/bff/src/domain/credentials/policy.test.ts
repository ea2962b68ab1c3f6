import { describe, expect, it } from 'vitest';
import { madeKindsEnding, staffAtIntegration } from './policy.ts';

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
  const customer = { kind: 'customer' as const };
  const operator = { kind: 'operator' as const };
  it('a system with no session and a customer may; staff, or staff acting as a customer, may not', () => {
    expect(staffAtIntegration(null)).toBe(false);
    expect(staffAtIntegration({ user: customer, impersonation: null })).toBe(false);
    expect(staffAtIntegration({ user: null, impersonation: null })).toBe(false);
    expect(staffAtIntegration({ user: operator, impersonation: null })).toBe(true);
    const acting = { user: customer, impersonation: { actorUser: operator } };
    expect(staffAtIntegration(acting)).toBe(true);
    const admin = { user: customer, impersonation: { actorUser: customer } };
    expect(staffAtIntegration(admin)).toBe(false);
  });
});
