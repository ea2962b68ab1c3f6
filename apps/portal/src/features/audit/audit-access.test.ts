import type { Session } from '@onbehalf/contracts/auth';
import { describe, expect, it } from 'vitest';
import { auditAccess } from './audit-access.ts';

const actor = { user: { name: 'Ada Admin' } } as NonNullable<Session['actor']>;

describe('auditAccess', () => {
  it('lets people with the right read their trail as themselves', () => {
    expect(auditAccess({ permissions: ['audit:read'] }, 'sys')).toBe('allowed');
    expect(auditAccess({ permissions: ['team:manage'] }, 'team')).toBe('allowed');
  });

  it('says "not while impersonating" where the server would refuse the one acting', () => {
    expect(auditAccess({ permissions: ['audit:read'], actor }, 'sys')).toBe('impersonating');
    expect(auditAccess({ permissions: ['team:manage'], actor }, 'team')).toBe('impersonating');
  });

  it('checks the right of each scope, whoever is acting', () => {
    expect(auditAccess({ permissions: ['team:manage'] }, 'sys')).toBe('forbidden');
    expect(auditAccess({ permissions: ['audit:read'], actor }, 'team')).toBe('forbidden');
  });
});
