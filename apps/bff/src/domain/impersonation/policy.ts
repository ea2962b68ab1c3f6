import type { ErrorCode } from '@onbehalf/contracts/errors';
import type {
  EndReason,
  ImpersonationBlock,
  ImpersonationDoor,
} from '@onbehalf/contracts/impersonation';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import {
  type CustomerPermission,
  type OperatorRole,
  operatorRoleRank,
  type Permission,
} from '@onbehalf/contracts/permissions';
import { rightsToMake } from '../credentials/policy.ts';
import { isSessionLive, type SessionTimes } from '../sessions.ts';

/**
 * Who may act as whom (SPEC §4, §4b). Every path that lets one person act as another asks this
 * file: both doors when they issue and exchange a hand-off token, the per-request re-check of a
 * running impersonation, the credentials handed over to a person, and the "may I?" flags the
 * team page, the profile chooser and Admin › Users show. Pure: facts in, a decision out.
 */

/** Hand-off tokens live at most this long (SPEC §4 rule 5). */
export const HANDOFF_TTL_MS = 60_000;
/** No impersonation outlives this, whatever a setting says (SPEC §4 rule 6). */
export const MAX_IMPERSONATION_MINUTES = 60;

export interface Actor {
  userId: number;
  status: 'active' | 'disabled';
  operatorRole: OperatorRole | null;
  /** What the actor may do where they act: the active profile's set, or the operator role's. */
  permissions: ReadonlySet<Permission>;
  /** Already acting for someone: an impersonation, or a session a credential opened for a system. */
  actingForSomeone: boolean;
}

export interface Target {
  userId: number;
  kind: 'customer' | 'operator';
  status: 'active' | 'disabled';
  operatorRole: OperatorRole | null;
  /** The profile acted as: always for the team door, a customer's chosen one for the operator door. */
  profile: { permissions: readonly CustomerPermission[]; allowTeamImpersonation: boolean } | null;
}

export interface DoorCase {
  door: ImpersonationDoor;
  actor: Actor;
  target: Target;
  /** The door's switch: the organization's team setting, or the global operator setting. */
  doorOpen: boolean;
}

/**
 * What rules the actor out of a door whoever the target: asked before any target is looked up,
 * so that a refusal says nothing about who exists.
 */
export function actorBlock(
  door: ImpersonationDoor,
  actor: Actor,
): Extract<ImpersonationBlock, 'nested' | 'no_permission'> | null {
  if (actor.actingForSomeone) return 'nested';
  const needed: Permission = door === 'team' ? 'team:impersonate' : 'users:impersonate';
  if (actor.status !== 'active' || !actor.permissions.has(needed)) return 'no_permission';
  if (door === 'operator' && actor.operatorRole === null) return 'no_permission';
  return null;
}

/** Why the actor may not act as the target through this door, or null (SPEC §4 rules 1–4). */
export function impersonationBlock(c: DoorCase): ImpersonationBlock | null {
  const { actor, target } = c;
  const ruledOut = actorBlock(c.door, actor);
  if (ruledOut) return ruledOut;
  if (!c.doorOpen) return 'setting_off';
  if (target.userId === actor.userId) return 'self';
  if (target.status !== 'active') return 'disabled';
  if (c.door === 'team') {
    if (!target.profile) return 'disabled';
    if (!target.profile.allowTeamImpersonation) return 'opted_out';
    // Never upward: everything the target may do, the actor may already do.
    if (!target.profile.permissions.every((p) => actor.permissions.has(p))) return 'upward';
    return null;
  }
  // Operator door: any customer; another operator only of a strictly lower role.
  if (target.kind === 'operator' && actor.operatorRole !== null) {
    const targetRank = target.operatorRole ? operatorRoleRank[target.operatorRole] : 0;
    if (targetRank >= operatorRoleRank[actor.operatorRole]) return 'upward';
  }
  return null;
}

/** The answer each refusal gets from the API. */
export const blockError: Record<ImpersonationBlock, ErrorCode> = {
  nested: 'impersonation_nested',
  no_permission: 'forbidden',
  setting_off: 'impersonation_disabled',
  self: 'impersonation_self',
  disabled: 'impersonation_target_disabled',
  opted_out: 'impersonation_opted_out',
  upward: 'impersonation_upward',
};

/**
 * How long an impersonation may last, in minutes: the shortest of 60, the organization's limit
 * and, for the operator door, the global one.
 */
export function impersonationLimitMinutes(
  door: ImpersonationDoor,
  limits: { organizationMaxMinutes: number | null; operatorMaxMinutes: number },
): number {
  const organization = limits.organizationMaxMinutes ?? MAX_IMPERSONATION_MINUTES;
  return door === 'team'
    ? Math.min(organization, MAX_IMPERSONATION_MINUTES)
    : Math.min(organization, limits.operatorMaxMinutes, MAX_IMPERSONATION_MINUTES);
}

/**
 * When a running impersonation ends: its session's expiry, brought forward when a limit was
 * lowered after it started. It is never extended.
 */
export function impersonationEndsAt(
  startedAt: number,
  sessionExpiresAt: number,
  limitMinutes: number,
): number {
  return Math.min(sessionExpiresAt, startedAt + limitMinutes * 60_000);
}

export interface RunningCase extends DoorCase {
  now: number;
  /** The impersonation session itself. */
  session: { expiresAt: number; revokedAt: number | null };
  startedAt: number;
  /** The limit that applies now (see `impersonationLimitMinutes`). */
  limitMinutes: number;
  /** The actor's own session, or null when it is gone. */
  actorSession: (SessionTimes & { revokedReason: string | null }) | null;
  /** The credential made for the target that started it (SPEC §4b), made by the actor. */
  credential: { kind: CredentialKind } | null;
}

const endReasonFor: Record<ImpersonationBlock, EndReason> = {
  // The actor's own session acts for no one; listed for completeness.
  nested: 'actor_lost_permission',
  no_permission: 'actor_lost_permission',
  setting_off: 'setting_disabled',
  self: 'actor_lost_permission',
  disabled: 'target_unavailable',
  opted_out: 'target_opted_out',
  upward: 'actor_lost_permission',
};

/**
 * Why a running impersonation may not go on, or null: checked on every request it makes. The
 * rules of the door are the ones it started under, asked again with today's facts, so a
 * switch turned off, a right taken away, a member's opt-out or a lowered limit ends it.
 */
export function reasonToEnd(c: RunningCase): EndReason | null {
  // Revoked by the person acted as, or by their password change.
  if (c.session.revokedAt !== null) return 'revoked';
  if (c.now >= impersonationEndsAt(c.startedAt, c.session.expiresAt, c.limitMinutes)) {
    return 'expired';
  }
  if (!c.actorSession || !isSessionLive(c.actorSession, c.now)) {
    return c.actorSession?.revokedReason === 'signed_out'
      ? 'actor_signed_out'
      : 'actor_session_ended';
  }
  const block = impersonationBlock(c);
  if (block !== null) return endReasonFor[block];
  // Started from a credential its actor made: it ends with their right to make one (SPEC §4b),
  // though they may keep the right to impersonate through the door itself.
  if (c.credential && !rightsToMake[c.credential.kind].some((p) => c.actor.permissions.has(p))) {
    return 'actor_lost_permission';
  }
  return null;
}
