import type { TeamMember } from '@onbehalf/contracts/team';
import { describe, expect, it } from 'vitest';
import { lockReason, type Viewer } from './lock-reason.ts';

const member: TeamMember = {
  profileId: 9,
  userId: 4,
  name: 'Ben Brooks',
  email: 'buyer@acme.test',
  status: 'active',
  role: 'member',
  permissions: ['orders:read', 'orders:create', 'invoices:read'],
  isSelf: false,
  allowTeamImpersonation: true,
  impersonation: { allowed: true, reason: null },
};

const admin: Viewer = {
  role: 'admin',
  permissions: ['orders:read', 'orders:create', 'invoices:read', 'team:read', 'team:manage'],
  restricted: null,
};
const owner: Viewer = { ...admin, role: 'owner' };

describe('lockReason', () => {
  it('lets a team admin grant and take away what is not a team right', () => {
    expect(lockReason(admin, member, 'orders:create')).toBeNull();
    expect(lockReason(admin, { ...member, permissions: [] }, 'orders:create')).toBeNull();
  });

  it('leaves granting team rights to the owner', () => {
    expect(lockReason(admin, member, 'team:read')).toBe(
      'Only the organization’s owner can grant team rights.',
    );
    expect(lockReason(owner, member, 'team:read')).toBeNull();
  });

  it('lets a team admin take a team right away again', () => {
    expect(lockReason(admin, { ...member, permissions: ['team:read'] }, 'team:read')).toBeNull();
  });

  it('locks everything in a session that is not the viewer’s own', () => {
    const restricted = { ...owner, restricted: 'Not here.' };
    expect(lockReason(restricted, member, 'orders:create')).toBe('Not here.');
  });
});
