import { describe, expect, it } from 'vitest';
import { madeKindsEnding } from './policy.ts';

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
