import type { EndReason } from '@onbehalf/contracts/impersonation';
import { operatorRolePermissions, operatorRoleRank } from '@onbehalf/contracts/permissions';
import { and, eq, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { ImpersonationContext } from '../app-env.ts';
import type { Db, Queryable } from '../db/client.ts';
import { type ImpersonationRow, impersonations } from '../db/schema/impersonations.ts';
import { organizations } from '../db/schema/organizations.ts';
import { profiles } from '../db/schema/profiles.ts';
import { sessions } from '../db/schema/sessions.ts';
import { users } from '../db/schema/users.ts';
import { recordAudit } from './audit.ts';
import { preparedPerHandle } from './prepared.ts';
import { isSessionLive, revokeSession } from './sessions.ts';
import { readSetting } from './settings.ts';

const actorSession = alias(sessions, 'actor_session');
const actorUser = alias(users, 'actor_user');
const actorProfile = alias(profiles, 'actor_profile');
const targetUser = alias(users, 'target_user');
const targetProfile = alias(profiles, 'target_profile');

const forCheck = preparedPerHandle((db: Queryable) =>
  db
    .select({
      row: impersonations,
      actorSession,
      actorUser,
      actorProfile,
      targetUser,
      targetProfile,
      organization: organizations,
    })
    .from(impersonations)
    .innerJoin(actorUser, eq(actorUser.id, impersonations.actorUserId))
    .innerJoin(targetUser, eq(targetUser.id, impersonations.targetUserId))
    .leftJoin(actorSession, eq(actorSession.id, impersonations.actorSessionId))
    .leftJoin(actorProfile, eq(actorProfile.id, impersonations.actorProfileId))
    .leftJoin(targetProfile, eq(targetProfile.id, impersonations.targetProfileId))
    .leftJoin(organizations, eq(organizations.id, impersonations.organizationId))
    .where(eq(impersonations.id, sql.placeholder('id')))
    .prepare(),
);

function loadForCheck(db: Queryable, impersonationId: string) {
  return forCheck(db).get({ id: impersonationId });
}

type Loaded = NonNullable<ReturnType<typeof loadForCheck>>;

/** Why a running impersonation may not go on, or null. Checked on every request it makes. */
function reasonToEnd(
  db: Queryable,
  l: Loaded,
  session: ImpersonationSession,
  now: number,
): EndReason | null {
  // Revoked by the person acted as, or by their password change: ended, with the reason.
  if (session.revokedAt !== null) return 'revoked';
  if (now >= session.expiresAt) return 'expired';
  if (!l.actorSession || !isSessionLive(l.actorSession, now)) {
    return l.actorSession?.revokedReason === 'signed_out'
      ? 'actor_signed_out'
      : 'actor_session_ended';
  }
  if (l.actorUser.status !== 'active') return 'actor_lost_permission';
  if (l.targetUser.status !== 'active') return 'target_unavailable';

  if (l.row.door === 'team') {
    const actorPermissions = new Set(l.actorProfile?.permissions ?? []);
    if (!actorPermissions.has('team:impersonate')) return 'actor_lost_permission';
    if (!l.organization?.impersonationEnabled) return 'setting_disabled';
    const targetPermissions = l.targetProfile?.permissions ?? [];
    if (!targetPermissions.every((p) => actorPermissions.has(p))) return 'actor_lost_permission';
    return null;
  }
  const role = l.actorUser.operatorRole;
  if (!role || !operatorRolePermissions[role].includes('users:impersonate')) {
    return 'actor_lost_permission';
  }
  // Never upward, on every request as at the door: a target promoted to the actor's rank ends it.
  const targetRole = l.targetUser.kind === 'operator' ? l.targetUser.operatorRole : null;
  if (targetRole && operatorRoleRank[targetRole] >= operatorRoleRank[role]) {
    return 'actor_lost_permission';
  }
  if (!readSetting(db, 'impersonation.operator').enabled) return 'setting_disabled';
  return null;
}

const markEnded = preparedPerHandle((db: Queryable) =>
  db
    .update(impersonations)
    .set({
      endedAt: sql.placeholder('now') as never,
      endReason: sql.placeholder('reason') as never,
    })
    .where(and(eq(impersonations.id, sql.placeholder('id')), isNull(impersonations.endedAt)))
    .prepare(),
);

/**
 * Ends an impersonation once (compare-and-set on ended_at), revokes its session and audits
 * it, all in the caller's transaction. Returns false when it had already ended.
 */
export function endImpersonation(
  tx: Queryable,
  row: ImpersonationRow,
  reason: EndReason,
  now: number,
  meta: { ip: string | null; userAgent: string | null; requestId: string | null },
): boolean {
  if (markEnded(tx).run({ id: row.id, now, reason }).changes !== 1) return false;
  if (row.sessionId) revokeSession(tx, row.sessionId, `impersonation_${reason}`, now);
  recordAudit(
    tx,
    {
      type: 'impersonation.ended',
      at: now,
      actor: { userId: row.actorUserId, kind: row.door === 'operator' ? 'operator' : 'customer' },
      subjectUserId: row.targetUserId,
      organizationId: row.organizationId,
      sessionId: row.sessionId,
      impersonationId: row.id,
      reason: row.reason,
      details: {
        endReason: reason,
        startedAt: row.startedAt,
        durationSeconds: row.startedAt ? Math.round((now - row.startedAt) / 1000) : null,
      },
    },
    meta,
  );
  return true;
}

type EndMeta = Parameters<typeof endImpersonation>[4];

/** Ends, one by one and each audited, the impersonations that match and have not ended. */
function endWhere(tx: Queryable, match: SQL, reason: EndReason, now: number, meta: EndMeta) {
  const running = tx
    .select()
    .from(impersonations)
    .where(and(match, isNull(impersonations.endedAt)))
    .all();
  for (const row of running) endImpersonation(tx, row, reason, now, meta);
}

/** Ends every running impersonation started from this (actor) session. */
export function endImpersonationsOfActorSession(
  tx: Queryable,
  actorSessionId: string,
  reason: EndReason,
  now: number,
  meta: EndMeta,
): void {
  endWhere(tx, eq(impersonations.actorSessionId, actorSessionId), reason, now, meta);
}

/**
 * Ends the started impersonations acting as this user: their sessions are being revoked (a
 * password change), and each ends with its audit event rather than silently.
 */
export function endImpersonationsOfTarget(
  tx: Queryable,
  targetUserId: number,
  reason: EndReason,
  now: number,
  meta: EndMeta,
): void {
  const match = and(
    eq(impersonations.targetUserId, targetUserId),
    isNotNull(impersonations.startedAt),
  ) as SQL;
  endWhere(tx, match, reason, now, meta);
}

/** Ends the impersonation a session belongs to, if it is still running. */
export function endImpersonationOfSession(
  tx: Queryable,
  impersonationId: string,
  reason: EndReason,
  now: number,
  meta: EndMeta,
): void {
  endWhere(tx, eq(impersonations.id, impersonationId), reason, now, meta);
}

/** What the per-request check needs of the impersonation session itself. */
export type ImpersonationSession = { expiresAt: number; revokedAt: number | null };

export type Settled = { context: ImpersonationContext } | { ended: EndReason };

/**
 * Decides whether an impersonation session may serve this request. If a rule no longer
 * holds (time is up, the actor signed out, lost the right, the setting went off), the
 * impersonation is ended there and then.
 */
export function settleImpersonation(
  db: Db,
  impersonationId: string,
  session: ImpersonationSession,
  now: number,
  meta: Parameters<typeof endImpersonation>[4],
): Settled {
  const loaded = loadForCheck(db, impersonationId);
  if (!loaded) return { ended: 'target_unavailable' };
  if (loaded.row.endedAt !== null) return { ended: loaded.row.endReason ?? 'left' };
  const reason = reasonToEnd(db, loaded, session, now);
  if (reason) {
    db.transaction((tx) => {
      endImpersonation(tx, loaded.row, reason, now, meta);
    });
    return { ended: reason };
  }
  return { context: { row: loaded.row, actorUser: loaded.actorUser } };
}
