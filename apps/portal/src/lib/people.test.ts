import { describe, expect, it } from 'vitest';
import { makerLabel, personWithRole } from './people.ts';

describe('personWithRole', () => {
  it('names staff by name and role', () => {
    expect(personWithRole({ name: 'Omar Haddad', kind: 'operator', operatorRole: 'admin' })).toBe(
      'Omar Haddad (support admin)',
    );
    expect(personWithRole({ name: 'Sasha Patel', kind: 'operator', operatorRole: 'support' })).toBe(
      'Sasha Patel (support agent)',
    );
  });

  it('calls a customer acting for someone a team admin', () => {
    expect(personWithRole({ name: 'Adam Alvarez', kind: 'customer', operatorRole: null })).toBe(
      'Adam Alvarez (team admin)',
    );
  });
});

describe('makerLabel', () => {
  it('says who made a credential, by kind', () => {
    expect(makerLabel({ kind: 'operator', name: 'Omar Haddad', operatorRole: 'admin' })).toBe(
      'Omar Haddad (support admin)',
    );
    expect(makerLabel({ kind: 'api_key', name: 'OCI gateway', operatorRole: null })).toBe(
      "OCI gateway (an integration's API key)",
    );
    expect(makerLabel({ kind: 'self', name: 'Ben Brooks', operatorRole: null })).toBe('You');
    expect(makerLabel({ kind: 'system', name: 'onbehalf', operatorRole: null })).toBe(
      'onbehalf (automatically)',
    );
  });
});
