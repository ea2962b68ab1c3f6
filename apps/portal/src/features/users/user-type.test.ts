import type { AdminUser } from '@onbehalf/contracts/users';
import { describe, expect, it } from 'vitest';
import { userType } from './user-type.ts';

const profile = (organizationKind: 'company' | 'personal'): AdminUser['profiles'][number] => ({
  Id: 1,
  organizationName: 'Acme Corp',
  organizationKind,
  role: 'member',
});

describe('userType', () => {
  it('names operators with their role', () => {
    expect(userType({ kind: 'operator', operatorRole: 'support', profiles: [] })).toBe(
      'Operator · support',
    );
  });

  it('calls a company profile a Contact and a personal one a Customer', () => {
    expect(userType({ kind: 'customer', operatorRole: null, profiles: [profile('company')] })).toBe(
      'Contact',
    );
    expect(
      userType({ kind: 'customer', operatorRole: null, profiles: [profile('personal')] }),
    ).toBe('Customer');
    expect(
      userType({
        kind: 'customer',
        operatorRole: null,
        profiles: [profile('company'), profile('company'), profile('personal')],
      }),
    ).toBe('Contact, Customer');
  });
});
