import type { Permission } from '@onbehalf/contracts/permissions';
import { describe, expect, it } from 'vitest';
import {
  type DoorCase,
  impersonationBlock,
  impersonationEndsAt,
  impersonationLimitMinutes,
  MAX_IMPERSONATION_MINUTES,
  type RunningCase,
  reasonToEnd,
} from './policy.ts';

const admin: DoorCase['actor'] = {
  userId: 1,
  status: 'active',
  operatorRole: null,
  permissions: new Set(['orders:read', 'team:read', 'team:impersonate']),
  actingForSomeone: false,
};
const member: DoorCase['target'] = {
  userId: 2,
  kind: 'customer',
  status: 'active',
  operatorRole: null,
  profile: { permissions: ['orders:read'], allowTeamImpersonation: true },
};
const teamCase: DoorCase = { door: 'team', actor: admin, target: member, doorOpen: true };

const MIN = 60_000;
const actorSession = {
  createdAt: 0,
  expiresAt: 600 * MIN,
  lastSeenAt: 9 * MIN,
  revokedAt: null,
  revokedReason: null,
};
const running: RunningCase = {
  ...teamCase,
  now: 10 * MIN,
  session: { expiresAt: 60 * MIN, revokedAt: null },
  startedAt: 0,
  limitMinutes: 60,
  actorSession,
  credential: null,
};

describe('who may act as whom', () => {
  it('each rule refuses with its own reason, checked in a fixed order', () => {
    expect(impersonationBlock(teamCase)).toBeNull();
    expect(impersonationBlock({ ...teamCase, actor: { ...admin, actingForSomeone: true } })).toBe(
      'nested',
    );
    expect(impersonationBlock({ ...teamCase, actor: { ...admin, status: 'disabled' } })).toBe(
      'no_permission',
    );
    expect(impersonationBlock({ ...teamCase, doorOpen: false })).toBe('setting_off');
    expect(impersonationBlock({ ...teamCase, target: { ...member, userId: 1 } })).toBe('self');
    expect(impersonationBlock({ ...teamCase, target: { ...member, status: 'disabled' } })).toBe(
      'disabled',
    );
    const optedOut = { permissions: ['orders:read' as const], allowTeamImpersonation: false };
    expect(impersonationBlock({ ...teamCase, target: { ...member, profile: optedOut } })).toBe(
      'opted_out',
    );
    const richer = { permissions: ['invoices:read' as const], allowTeamImpersonation: true };
    expect(impersonationBlock({ ...teamCase, target: { ...member, profile: richer } })).toBe(
      'upward',
    );
  });

  it('the operator door: customers, and operators only of a strictly lower role', () => {
    const support: DoorCase['actor'] = {
      ...admin,
      operatorRole: 'support',
      permissions: new Set(['users:impersonate']),
    };
    const operator = (role: 'support' | 'admin') => ({
      ...member,
      kind: 'operator' as const,
      operatorRole: role,
      profile: null,
    });
    const base = { door: 'operator' as const, actor: support, doorOpen: true };
    expect(impersonationBlock({ ...base, target: member })).toBeNull();
    expect(impersonationBlock({ ...base, target: operator('support') })).toBe('upward');
    const adminOp: DoorCase['actor'] = { ...support, operatorRole: 'admin' };
    expect(impersonationBlock({ ...base, actor: adminOp, target: operator('support') })).toBeNull();
    const noRole = { ...support, operatorRole: null };
    expect(impersonationBlock({ ...base, actor: noRole, target: member })).toBe('no_permission');
  });
});

describe('a running impersonation', () => {
  it('goes on while every rule holds', () => {
    expect(reasonToEnd(running)).toBeNull();
  });

  it('started from a credential its actor made, ends with their right to make one', () => {
    const support = {
      ...admin,
      operatorRole: 'support' as const,
      permissions: new Set<Permission>(['users:impersonate']),
    };
    const fromToken: RunningCase = {
      ...running,
      door: 'operator',
      actor: {
        ...support,
        permissions: new Set<Permission>([...support.permissions, 'login-tokens:manage']),
      },
      credential: { kind: 'login_token' },
    };
    expect(reasonToEnd(fromToken)).toBeNull();
    // Demoted: still a support agent who may impersonate, no longer one who makes login tokens.
    expect(reasonToEnd({ ...fromToken, actor: support })).toBe('actor_lost_permission');
    // The same agent's impersonation through the door itself goes on.
    expect(reasonToEnd({ ...fromToken, actor: support, credential: null })).toBeNull();
  });

  it('ends for the reason the changed fact gives', () => {
    const optedOut = { permissions: ['orders:read' as const], allowTeamImpersonation: false };
    expect(reasonToEnd({ ...running, target: { ...member, profile: optedOut } })).toBe(
      'target_opted_out',
    );
    expect(reasonToEnd({ ...running, doorOpen: false })).toBe('setting_disabled');
    expect(reasonToEnd({ ...running, actor: { ...admin, permissions: new Set() } })).toBe(
      'actor_lost_permission',
    );
    expect(reasonToEnd({ ...running, target: { ...member, status: 'disabled' } })).toBe(
      'target_unavailable',
    );
    expect(reasonToEnd({ ...running, session: { expiresAt: 60 * MIN, revokedAt: 1 } })).toBe(
      'revoked',
    );
    expect(reasonToEnd({ ...running, actorSession: null })).toBe('actor_session_ended');
    const signedOut = { ...actorSession, revokedAt: 1, revokedReason: 'signed_out' };
    expect(reasonToEnd({ ...running, actorSession: signedOut })).toBe('actor_signed_out');
  });

  it('a lower limit brings its end forward, never later', () => {
    expect(reasonToEnd({ ...running, limitMinutes: 10 })).toBe('expired');
    expect(reasonToEnd({ ...running, limitMinutes: 11 })).toBeNull();
    expect(impersonationEndsAt(0, 60 * MIN, 5)).toBe(5 * MIN);
    expect(impersonationEndsAt(0, 30 * MIN, 60)).toBe(30 * MIN);
  });

  it('its limit is the shortest of 60 minutes, the organization’s and the global one', () => {
    const limits = { organizationMaxMinutes: 30, operatorMaxMinutes: 20 };
    expect(impersonationLimitMinutes('team', limits)).toBe(30);
    expect(impersonationLimitMinutes('operator', limits)).toBe(20);
    expect(
      impersonationLimitMinutes('operator', {
        organizationMaxMinutes: null,
        operatorMaxMinutes: 90,
      }),
    ).toBe(60);
  });

  it('through the team door, never past 60 minutes, whatever the organization has stored', () => {
    const limits = { organizationMaxMinutes: 90, operatorMaxMinutes: 60 };
    expect(impersonationLimitMinutes('team', limits)).toBe(MAX_IMPERSONATION_MINUTES);
    expect(MAX_IMPERSONATION_MINUTES).toBe(60);
    // The operator door's global limit is no part of the team door's.
    expect(impersonationLimitMinutes('team', { ...limits, operatorMaxMinutes: 5 })).toBe(60);
  });
});
