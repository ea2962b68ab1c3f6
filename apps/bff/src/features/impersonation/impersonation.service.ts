import type { ErrorCode } from '@onbehalf/contracts/errors';
import type {
  AccessHistoryResponse,
  ImpersonationDoor,
  OperatorImpersonateQuery,
} from '@onbehalf/contracts/impersonation';
import type { AppDeps, AuthContext } from '../../app-env.ts';
import type { ImpersonationRow } from '../../db/schema/impersonations.ts';
import {
  blockError,
  HANDOFF_TTL_MS,
  impersonationBlock,
  impersonationLimitMinutes,
} from '../../domain/impersonation/policy.ts';
import { recordAudit } from '../../lib/audit.ts';
import { authFromLookup, policyActor, policyTarget } from '../../lib/auth-context.ts';
import { toIso } from '../../lib/clock.ts';
import { AppError } from '../../lib/errors.ts';
import { endImpersonation } from '../../lib/impersonation-lifecycle.ts';
import type { Minted } from '../../lib/link-sign-in.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { describeSession } from '../../lib/session-view.ts';
import { findSessionWithPartiesById, mintSession, type SessionLookup } from '../../lib/sessions.ts';
import { readSetting } from '../../lib/settings.ts';
import { constantTimeEqual, randomToken, sha256, sortableId } from '../../lib/tokens.ts';
import {
  claimHandoff,
  findImpersonationById,
  findTeamTarget,
  findUser,
  insertImpersonation,
  listAccessHistory,
  listProfilesWithOrganization,
} from './impersonation.repo.ts';

interface Target {
  door: ImpersonationDoor;
  userId: number;
  profileId: number | null;
  organizationId: number | null;
  /** The shortest limit that applies: global, the organization's, 60 minutes. */
  maxMinutes: number;
  /** The rows the checks read: the impersonation session is described from them. */
  parties: Omit<SessionLookup, 'session'>;
}

/** Team door: a coworker of the caller's active organization, under SPEC §4's rules. */
function resolveTeamTarget(deps: AppDeps, auth: AuthContext, coworkerId: number): Target {
  if (auth.impersonation) throw new AppError('impersonation_nested');
  const active = auth.profile;
  const user = auth.user;
  // Outside the caller's organization a profile "does not exist": never confirm it does.
  const found =
    active && user ? findTeamTarget(deps.db, active.organizationId, coworkerId) : undefined;
  if (!active || !user || !found) throw new AppError('not_found', { message: 'No such coworker.' });
  const block = impersonationBlock({
    door: 'team',
    actor: policyActor(auth),
    target: policyTarget(found.user, found.profile),
    doorOpen: found.organization.impersonationEnabled,
  });
  if (block) throw new AppError(blockError[block]);
  return {
    door: 'team',
    userId: found.user.id,
    profileId: found.profile.id,
    organizationId: found.organization.id,
    maxMinutes: impersonationLimitMinutes('team', {
      organizationMaxMinutes: found.organization.impersonationMaxMinutes,
      operatorMaxMinutes: 0,
    }),
    parties: found,
  };
}

/** Operator door: any customer, or an operator of strictly lower role. */
function resolveOperatorTarget(
  deps: AppDeps,
  auth: AuthContext,
  userId: number,
  profileId: number | undefined,
): Target {
  if (auth.impersonation) throw new AppError('impersonation_nested');
  const actor = auth.user;
  if (actor?.kind !== 'operator') throw new AppError('forbidden');
  const target = findUser(deps.db, userId);
  if (!target) throw new AppError('not_found', { message: 'No such user.' });
  const setting = readSetting(deps.db, 'impersonation.operator');
  const block = impersonationBlock({
    door: 'operator',
    actor: policyActor(auth),
    target: policyTarget(target, null),
    doorOpen: setting.enabled,
  });
  if (block) throw new AppError(blockError[block]);

  const candidates =
    target.kind === 'customer' ? listProfilesWithOrganization(deps.db, target.id) : [];
  const chosen =
    profileId === undefined && candidates.length === 1
      ? candidates[0]
      : candidates.find((c) => c.profile.id === profileId);
  if (profileId !== undefined && !chosen) {
    throw new AppError('not_found', { message: 'No such profile for this user.' });
  }
  if (!chosen && candidates.length > 1) {
    throw new AppError('validation_failed', {
      message: 'This user has several profiles: say which one (profileId).',
      issues: [{ path: 'profileId', message: 'Required for a user with several profiles.' }],
    });
  }
  return {
    door: 'operator',
    userId: target.id,
    profileId: chosen?.profile.id ?? null,
    organizationId: chosen?.organization.id ?? null,
    maxMinutes: impersonationLimitMinutes('operator', {
      organizationMaxMinutes: chosen?.organization.impersonationMaxMinutes ?? null,
      operatorMaxMinutes: setting.maxMinutes,
    }),
    parties: {
      user: target,
      profile: chosen?.profile ?? null,
      organization: chosen?.organization ?? null,
    },
  };
}

function issueHandoff(
  deps: AppDeps,
  auth: AuthContext,
  target: Target,
  details: { reason: string | null; ticket: string | null },
  meta: RequestMeta,
): { token: string } {
  const now = deps.clock.now();
  const secret = randomToken();
  const id = sortableId(now);
  const actor = auth.user as NonNullable<AuthContext['user']>;
  deps.db.transaction((tx) => {
    insertImpersonation(tx, {
      id,
      door: target.door,
      actorUserId: actor.id,
      actorProfileId: auth.profile?.id ?? null,
      actorSessionId: auth.session.id,
      targetUserId: target.userId,
      targetProfileId: target.profileId,
      organizationId: target.organizationId,
      reason: details.reason,
      ticket: details.ticket,
      handoffTokenHash: sha256(secret),
      handoffExpiresAt: now + HANDOFF_TTL_MS,
      issuedAt: now,
    });
    recordAudit(
      tx,
      {
        type: 'impersonation.token_issued',
        at: now,
        actor: { userId: actor.id, kind: actor.kind },
        subjectUserId: target.userId,
        organizationId: target.organizationId,
        sessionId: auth.session.id,
        impersonationId: id,
        reason: details.reason,
        details: { door: target.door, targetProfileId: target.profileId, ticket: details.ticket },
      },
      meta,
    );
  });
  return { token: `${id}.${secret}` };
}

/** `{impersonation id}.{secret}`: a ULID, then 256 bits in base64url. */
const HANDOFF_FORMAT = /^([0-9A-HJKMNP-TV-Z]{26})\.([\w-]{43})$/;

/** The impersonation a hand-off token names, if its secret matches (compared in constant time). */
function findByHandoffToken(deps: AppDeps, token: string) {
  const [, id, secret] = HANDOFF_FORMAT.exec(token) ?? [];
  if (!id || !secret) return undefined;
  const row = findImpersonationById(deps.db, id);
  return row && constantTimeEqual(row.handoffTokenHash, sha256(secret)) ? row : undefined;
}

export function issueTeamHandoff(
  deps: AppDeps,
  auth: AuthContext,
  coworkerId: number,
  reason: string | undefined,
  meta: RequestMeta,
) {
  const target = resolveTeamTarget(deps, auth, coworkerId);
  return issueHandoff(deps, auth, target, { reason: reason || null, ticket: null }, meta);
}

export function issueOperatorHandoff(
  deps: AppDeps,
  auth: AuthContext,
  query: OperatorImpersonateQuery,
  meta: RequestMeta,
) {
  const target = resolveOperatorTarget(deps, auth, query.userId, query.profileId);
  return issueHandoff(
    deps,
    auth,
    target,
    { reason: query.reason, ticket: query.ticket || null },
    meta,
  );
}

export type Exchanged = Minted;

/** Every rule is checked again at exchange: a minute is long enough for a setting to change. */
function recheck(deps: AppDeps, auth: AuthContext, row: ImpersonationRow): Target {
  if (row.door === 'team') {
    if (row.targetProfileId === null) throw new AppError('handoff_invalid');
    return resolveTeamTarget(deps, auth, row.targetProfileId);
  }
  return resolveOperatorTarget(deps, auth, row.targetUserId, row.targetProfileId ?? undefined);
}

/**
 * Exchanges a hand-off token for a session as the target. The token is single-use (a
 * compare-and-set), lives 60 seconds, and only the session that asked for it may use it.
 */
export async function exchangeHandoff(
  deps: AppDeps,
  auth: AuthContext,
  token: string,
  meta: RequestMeta,
): Promise<Exchanged> {
  const { db, clock, limiters } = deps;
  // Rate-limited like every other redemption: each refused token counts against the address.
  await limiters.assertRedeemAllowed(meta.ip);
  const refuse = async (code: ErrorCode): Promise<never> => {
    await limiters.recordRedeemFailure(meta.ip);
    throw new AppError(code);
  };
  const row = findByHandoffToken(deps, token);
  if (!row) return refuse('handoff_invalid');
  if (row.actorSessionId !== auth.session.id) return refuse('handoff_wrong_session');
  const now = clock.now();
  if (row.handoffUsedAt !== null) return refuse('handoff_used');
  if (now >= row.handoffExpiresAt) return refuse('handoff_expired');
  const target = recheck(deps, auth, row);

  const endsAt = Math.min(now + target.maxMinutes * 60_000, auth.session.expiresAt);
  const minted = db.transaction((tx) => {
    const result = mintSession(tx, {
      userId: row.targetUserId,
      profileId: row.targetProfileId,
      method: 'impersonation',
      now,
      meta,
      expiresAt: endsAt,
      impersonationId: row.id,
    });
    // Throwing rolls the session back with it: a lost race leaves nothing behind.
    if (!claimHandoff(tx, row.id, { now, sessionId: result.session.id, endsAt })) {
      throw new AppError('handoff_used');
    }
    recordAudit(
      tx,
      {
        type: 'impersonation.started',
        at: now,
        actor: { userId: row.actorUserId, kind: auth.user?.kind ?? 'customer' },
        subjectUserId: row.targetUserId,
        organizationId: row.organizationId,
        sessionId: result.session.id,
        impersonationId: row.id,
        reason: row.reason,
        details: { door: row.door, actorSessionId: row.actorSessionId, endsAt },
      },
      meta,
    );
    return result;
  });

  const settledAuth = authFromLookup({ session: minted.session, ...target.parties }, auth.via, {
    row: { ...row, sessionId: minted.session.id, handoffUsedAt: now, startedAt: now, endsAt },
    actorUser: auth.user as NonNullable<AuthContext['user']>,
    endsAt,
  });
  return { token: minted.token, expiresAt: endsAt, session: describeSession(db, settledAuth) };
}

/** Ends the impersonation and answers with the actor's own session, untouched all along. */
export function leaveImpersonation(deps: AppDeps, auth: AuthContext, meta: RequestMeta) {
  const impersonation = auth.impersonation;
  if (!impersonation) throw new AppError('not_impersonating');
  const now = deps.clock.now();
  deps.db.transaction((tx) => {
    endImpersonation(tx, impersonation.row, 'left', now, meta);
  });
  const own = findSessionWithPartiesById(deps.db, impersonation.row.actorSessionId);
  if (!own) throw new AppError('session_expired');
  return { session: describeSession(deps.db, authFromLookup(own, auth.via)) };
}

export function accessHistory(deps: AppDeps, auth: AuthContext): AccessHistoryResponse {
  if (auth.impersonation) throw new AppError('impersonation_restricted');
  if (!auth.user) return { entries: [] };
  return {
    entries: listAccessHistory(deps.db, auth.user.id).map(({ row, actor, organizationName }) => ({
      id: row.id,
      door: row.door,
      actor: { name: actor.name, kind: actor.kind, operatorRole: actor.operatorRole ?? null },
      organizationName,
      reason: row.reason,
      ticket: row.ticket,
      issuedAt: toIso(row.issuedAt),
      startedAt: row.startedAt ? toIso(row.startedAt) : null,
      endedAt: row.endedAt ? toIso(row.endedAt) : null,
      endReason: row.endReason,
      durationSeconds:
        row.startedAt && row.endedAt ? Math.round((row.endedAt - row.startedAt) / 1000) : null,
    })),
  };
}
