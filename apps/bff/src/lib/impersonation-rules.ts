import type { ErrorCode } from '@onbehalf/contracts/errors';
import type { ImpersonationBlock } from '@onbehalf/contracts/impersonation';
import {
  type CustomerPermission,
  type OperatorRole,
  operatorRoleRank,
  type Permission,
} from '@onbehalf/contracts/permissions';

/**
 * The rules of SPEC §4, as pure functions: the API refuses with them, and the portal's
 * "may I?" flags are computed from them, so the two can never disagree.
 */

export interface TeamDoorCase {
  impersonating: boolean;
  actor: { userId: number; permissions: ReadonlySet<Permission> };
  organizationEnabled: boolean;
  target: {
    userId: number;
    status: 'active' | 'disabled';
    permissions: readonly CustomerPermission[];
    allowTeamImpersonation: boolean;
  };
}

export function teamDoorBlock(c: TeamDoorCase): ImpersonationBlock | null {
  if (c.impersonating) return 'nested';
  if (!c.actor.permissions.has('team:impersonate')) return 'no_permission';
  if (!c.organizationEnabled) return 'setting_off';
  if (c.target.userId === c.actor.userId) return 'self';
  if (c.target.status !== 'active') return 'disabled';
  if (!c.target.allowTeamImpersonation) return 'opted_out';
  // Never upward: everything the target may do, the actor may already do.
  if (!c.target.permissions.every((p) => c.actor.permissions.has(p))) return 'upward';
  return null;
}

export interface OperatorDoorCase {
  impersonating: boolean;
  actor: {
    userId: number;
    operatorRole: OperatorRole | null;
    permissions: ReadonlySet<Permission>;
  };
  globalEnabled: boolean;
  target: {
    userId: number;
    status: 'active' | 'disabled';
    kind: 'customer' | 'operator';
    operatorRole: OperatorRole | null;
  };
}

export function operatorDoorBlock(c: OperatorDoorCase): ImpersonationBlock | null {
  if (c.impersonating) return 'nested';
  if (!c.actor.permissions.has('users:impersonate') || !c.actor.operatorRole)
    return 'no_permission';
  if (!c.globalEnabled) return 'setting_off';
  if (c.target.userId === c.actor.userId) return 'self';
  if (c.target.status !== 'active') return 'disabled';
  if (c.target.kind === 'operator') {
    // Another operator only of a strictly lower role.
    const targetRank = c.target.operatorRole ? operatorRoleRank[c.target.operatorRole] : 0;
    if (targetRank >= operatorRoleRank[c.actor.operatorRole]) return 'upward';
  }
  return null;
}

export const blockError: Record<ImpersonationBlock, ErrorCode> = {
  nested: 'impersonation_nested',
  no_permission: 'forbidden',
  setting_off: 'impersonation_disabled',
  self: 'impersonation_self',
  disabled: 'impersonation_target_disabled',
  opted_out: 'impersonation_opted_out',
  upward: 'impersonation_upward',
};

/** Hand-off tokens live at most this long (SPEC §4 rule 5). */
export const HANDOFF_TTL_MS = 60_000;
/** No impersonation outlives this, whatever a setting says (SPEC §4 rule 6). */
export const MAX_IMPERSONATION_MINUTES = 60;
