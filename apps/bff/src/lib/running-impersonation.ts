import type { EndReason } from '@onbehalf/contracts/impersonation';
import { operatorRolePermissions, type Permission } from '@onbehalf/contracts/permissions';
import type { ImpersonationContext } from '../app-env.ts';
import {
  impersonationEndsAt,
  impersonationLimitMinutes,
  MAX_IMPERSONATION_MINUTES,
  type RunningCase,
  reasonToEnd,
} from '../domain/impersonation/policy.ts';
import type {
  ImpersonationRow,
  OrganizationRow,
  ProfileRow,
  SessionRow,
  SessionUser,
} from '../store/rows.ts';
import type { SettingValue } from './settings.ts';

/**
 * The per-request re-check of a running impersonation, apart from how a store reads it: both
 * stores load the same rows in one read, hand them here, and end the impersonation themselves
 * when the answer says so (store/sqlite/impersonations.ts, store/postgres/impersonations.ts).
 */

/** A running impersonation and every row its re-check looks at. */
export interface LoadedImpersonation {
  row: ImpersonationRow;
  actorSession: SessionRow | null;
  actorUser: SessionUser;
  actorProfile: ProfileRow | null;
  targetUser: SessionUser;
  targetProfile: ProfileRow | null;
  organization: OrganizationRow | null;
}

/** What the per-request check needs of the impersonation session itself. */
export type ImpersonationSession = { expiresAt: number; revokedAt: number | null };

export type Settled = { context: ImpersonationContext } | { ended: EndReason };

type OperatorSetting = SettingValue<'impersonation.operator'>;

/** Today's facts about a running impersonation, as the policy's re-check takes them. */
function runningCase(
  l: LoadedImpersonation,
  readOperatorSetting: () => OperatorSetting,
  session: ImpersonationSession,
  now: number,
) {
  const { row, actorUser: actor, targetUser: target } = l;
  const operatorDoor = row.door === 'operator';
  const operatorSetting = operatorDoor ? readOperatorSetting() : null;
  const permissions: ReadonlySet<Permission> = operatorDoor
    ? new Set(actor.operatorRole ? operatorRolePermissions[actor.operatorRole] : [])
    : new Set(l.actorProfile?.permissions ?? []);
  const limitMinutes = impersonationLimitMinutes(row.door, {
    organizationMaxMinutes: l.organization?.impersonationMaxMinutes ?? null,
    operatorMaxMinutes: operatorSetting?.maxMinutes ?? MAX_IMPERSONATION_MINUTES,
  });
  return {
    door: row.door,
    now,
    session,
    startedAt: row.startedAt ?? row.issuedAt,
    limitMinutes,
    actorSession: l.actorSession,
    credential: row.credentialKind ? { kind: row.credentialKind } : null,
    doorOpen: operatorSetting
      ? operatorSetting.enabled
      : (l.organization?.impersonationEnabled ?? false),
    actor: {
      userId: actor.id,
      status: actor.status,
      operatorRole: actor.operatorRole,
      permissions,
      actingForSomeone: false,
    },
    target: {
      userId: target.id,
      kind: target.kind,
      status: target.status,
      operatorRole: target.operatorRole,
      profile: l.targetProfile,
    },
  } satisfies RunningCase;
}

/** Why an impersonation must end, and when it did: for `expired`, the moment its time ran out. */
export interface EndNow {
  reason: EndReason;
  /** Stored as its `ended_at`: found out later than it happened, it still lasted no longer. */
  endedAt: number;
}

/**
 * Whether an impersonation session may serve this request, and whether the store must end the
 * impersonation now (`endNow`: a rule no longer holds, and it has not ended yet). The operator
 * setting is asked for only when the operator door's rules need it.
 */
export function recheckImpersonation(
  loaded: LoadedImpersonation | undefined,
  readOperatorSetting: () => OperatorSetting,
  session: ImpersonationSession,
  now: number,
): { settled: Settled; endNow: EndNow | null } {
  if (!loaded) return { settled: { ended: 'target_unavailable' }, endNow: null };
  if (loaded.row.endedAt !== null) {
    return { settled: { ended: loaded.row.endReason ?? 'left' }, endNow: null };
  }
  const facts = runningCase(loaded, readOperatorSetting, session, now);
  const reason = reasonToEnd(facts);
  const endsAt = impersonationEndsAt(facts.startedAt, session.expiresAt, facts.limitMinutes);
  if (reason) {
    const endedAt = reason === 'expired' ? Math.min(now, endsAt) : now;
    return { settled: { ended: reason }, endNow: { reason, endedAt } };
  }
  return {
    settled: { context: { row: loaded.row, actorUser: loaded.actorUser, endsAt } },
    endNow: null,
  };
}
