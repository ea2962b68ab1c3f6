import type { EndReason } from '@onbehalf/contracts/impersonation';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { MadeKind } from '../../domain/credentials/policy.ts';
import { runningImpersonationsFromId } from '../../lib/metrics.ts';
import {
  type ImpersonationSession,
  recheckImpersonation,
  type Settled,
} from '../../lib/running-impersonation.ts';
import { othersOfOwnSessionWhere, revokedNow } from '../own-sessions.ts';
import {
  byOrOf,
  type ChangedParty,
  runningImpersonationsWhere,
  unusedHandoffsWhere,
} from '../running-impersonations.ts';
import { sessionUserColumns } from '../session-user.ts';
import { recordAudit } from './audit.ts';
import type { Db, Queryable } from './client.ts';
import { preparedPerHandle } from './prepared.ts';
import { type ImpersonationRow, impersonations } from './schema/impersonations.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { sessions } from './schema/sessions.ts';
import { users } from './schema/users.ts';
import { revokeSession } from './sessions.ts';
import { readSetting } from './settings.store.ts';

const actorSession = alias(sessions, 'actor_session');
const actorUser = alias(users, 'actor_user');
const actorProfile = alias(profiles, 'actor_profile');
const targetUser = alias(users, 'target_user');
const targetProfile = alias(profiles, 'target_profile');

const impersonationSession = alias(sessions, 'impersonation_session');

const forCheck = preparedPerHandle((db: Queryable) =>
  db
    .select({
      row: impersonations,
      actorSession,
      actorUser: sessionUserColumns(actorUser),
      actorProfile,
      targetUser: sessionUserColumns(targetUser),
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
 * it, all in the caller's transaction. Returns false when it had already ended. `endedAt` is
 * when it ended, if before `now` (an expiry found out later: `EndNow`).
 */
export function endImpersonation(
  tx: Queryable,
  row: ImpersonationRow,
  reason: EndReason,
  now: number,
  meta: { ip: string | null; userAgent: string | null; requestId: string | null },
  endedAt: number = now,
): boolean {
  if (markEnded(tx).run({ id: row.id, now: endedAt, reason }).changes !== 1) return false;
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
        durationSeconds: row.startedAt ? Math.round((endedAt - row.startedAt) / 1000) : null,
      },
    },
    meta,
  );
  return true;
}

type EndMeta = Parameters<typeof endImpersonation>[4];

/** Ends, one by one and each audited, the impersonations that match and have not ended. */
function endWhere(tx: Queryable, match: SQL, reason: EndReason, now: number, meta: EndMeta) {
  for (const row of runningWhere(tx, match).all()) endImpersonation(tx, row, reason, now, meta);
}

const runningWhere = (tx: Queryable, match: SQL) =>
  tx
    .select()
    .from(impersonations)
    .where(and(match, isNull(impersonations.endedAt)));

const ofCredential = (credential: { kind: CredentialKind; id: string }) =>
  and(
    eq(impersonations.credentialKind, credential.kind),
    eq(impersonations.credentialId, credential.id),
  ) as SQL;

/** The statements that find what a withdrawal or a disabled person ends, for plan tests. */
export const runningOfCredentialSql = (db: Queryable) =>
  runningWhere(db, ofCredential({ kind: 'login_token', id: '1' })).toSQL();
export const runningOfActorSql = (db: Queryable) =>
  runningWhere(db, eq(impersonations.actorUserId, 1)).toSQL();

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
 * One impersonation at a time per own session (SPEC §4 rule 4, docs/decisions/037): before
 * another starts from it, every other one it started or asked a hand-off for ends as replaced,
 * in the starting command's transaction; before it asks for another hand-off (`unused`), the
 * ones it asked for and never used.
 */
export function endOthersOfActorSession(
  tx: Queryable,
  actorSessionId: string,
  startingId: string,
  now: number,
  meta: EndMeta,
  which: 'all' | 'unused' = 'all',
): void {
  for (const row of othersOfOwnSession[which](tx).all({ actorSessionId, startingId })) {
    endImpersonation(tx, row, 'replaced', now, meta);
  }
}

const othersOfOwnSessionOf = (which: 'all' | 'unused') =>
  preparedPerHandle((db: Queryable) =>
    db
      .select()
      .from(impersonations)
      .where(othersOfOwnSessionWhere(impersonations, which))
      .prepare(),
  );
const othersOfOwnSession = {
  all: othersOfOwnSessionOf('all'),
  unused: othersOfOwnSessionOf('unused'),
};

/**
 * Ends every running impersonation started from these (actor) sessions, which the command is
 * revoking (a profile switch, a session replaced, a password change): each is ended and audited
 * now, as a sign-out ends its own, not only at its next request, so that the person acted as
 * no longer sees it running.
 */
export function endImpersonationsOfActorSessions(
  tx: Queryable,
  actorSessionIds: readonly string[],
  now: number,
  meta: EndMeta,
): void {
  if (actorSessionIds.length === 0) return;
  endWhere(
    tx,
    inArray(impersonations.actorSessionId, [...actorSessionIds]),
    'actor_session_ended',
    now,
    meta,
  );
}

/**
 * Ends every running impersonation started from the sessions of this user that this command has
 * just revoked for `reason` (a password change signs the others out): chosen by a subquery, not
 * a list of ids, so no statement grows with the person's sessions.
 */
export function endImpersonationsFromRevoked(
  tx: Queryable,
  userId: number,
  reason: string,
  now: number,
  meta: EndMeta,
): void {
  const revoked = tx
    .select({ id: sessions.id })
    .from(sessions)
    .where(revokedNow(sessions, userId, reason, now));
  endWhere(tx, inArray(impersonations.actorSessionId, revoked), 'actor_session_ended', now, meta);
}

/**
 * Ends the started impersonations acting as this user: their sessions are being revoked (a
 * password change), and each ends with its audit event rather than silently. `unused too`
 * (the person is disabled): the hand-offs not yet used as well, which an exchange checked
 * before its own transaction would otherwise start.
 */
export function endImpersonationsOfTarget(
  tx: Queryable,
  targetUserId: number,
  reason: EndReason,
  now: number,
  meta: EndMeta,
  which: 'started' | 'unused too' = 'started',
): void {
  const match = and(
    eq(impersonations.targetUserId, targetUserId),
    which === 'started' ? isNotNull(impersonations.startedAt) : undefined,
  ) as SQL;
  endWhere(tx, match, reason, now, meta);
}

/** Ends the running team impersonations of a profile whose member has just opted out. */
export function endTeamImpersonationsOfProfile(
  tx: Queryable,
  profileId: number,
  reason: EndReason,
  now: number,
  meta: EndMeta,
): void {
  const match = and(
    eq(impersonations.targetProfileId, profileId),
    eq(impersonations.door, 'team'),
  ) as SQL;
  endWhere(tx, match, reason, now, meta);
}

/** The running impersonations by or of a profile (or of a person), with their own sessions. */
const runningOfQuery = (db: Queryable, by: 'profile' | 'user') =>
  db
    .select({
      id: impersonations.id,
      session: {
        expiresAt: impersonationSession.expiresAt,
        revokedAt: impersonationSession.revokedAt,
      },
    })
    .from(impersonations)
    .innerJoin(impersonationSession, eq(impersonationSession.id, impersonations.sessionId))
    .where(and(runningImpersonationsWhere(impersonations), byOrOf(impersonations, by)));
const runningOfProfile = preparedPerHandle((db: Queryable) =>
  runningOfQuery(db, 'profile').prepare(),
);
const runningOfUser = preparedPerHandle((db: Queryable) => runningOfQuery(db, 'user').prepare());

/** The unused hand-offs by or of a profile (or of a person), with the minute each has left. */
const unusedOfQuery = (db: Queryable, by: 'profile' | 'user') =>
  db
    .select({ id: impersonations.id, expiresAt: impersonations.handoffExpiresAt })
    .from(impersonations)
    .where(and(unusedHandoffsWhere(impersonations), byOrOf(impersonations, by)));
const unusedOfProfile = preparedPerHandle((db: Queryable) =>
  unusedOfQuery(db, 'profile').prepare(),
);
const unusedOfUser = preparedPerHandle((db: Queryable) => unusedOfQuery(db, 'user').prepare());

/** The statement's SQL, for a test that asks SQLite how it runs it. */
export const runningOfProfileSql = (db: Queryable) => runningOfQuery(db, 'profile').toSQL();

/**
 * Ends, each audited, the running impersonations by or of this profile (or person) that its
 * role or permissions, as they now are, no longer allow: the per-request re-check is asked
 * about each (lib/running-impersonation.ts, domain/impersonation/policy.ts `reasonToEnd`) with
 * the facts read in the caller's transaction, and each ends with the reason it gives.
 */
export function endImpersonationsNoLongerAllowed(
  tx: Queryable,
  changed: ChangedParty,
  now: number,
  meta: EndMeta,
): void {
  // The running ones and their own sessions, read as /metrics counts them (a range of recent
  // ids, so the work does not grow with the history); each is then read as the per-request
  // re-check reads it (`loadForCheck`), in this transaction.
  const params = { fromId: runningImpersonationsFromId(now), now };
  const running =
    'profileId' in changed
      ? runningOfProfile(tx).all({ ...params, id: changed.profileId })
      : runningOfUser(tx).all({ ...params, id: changed.userId });
  for (const { id, session } of running) {
    const loaded = loadForCheck(tx, id);
    const { endNow } = recheckImpersonation(
      loaded,
      () => readSetting(tx, 'impersonation.operator'),
      session,
      now,
    );
    if (endNow && loaded) {
      endImpersonation(tx, loaded.row, endNow.reason, now, meta, endNow.endedAt);
    }
  }
  // The hand-offs not yet used, asked as if started now: the exchange checked before its own
  // transaction, so one the change no longer allows is withdrawn here, and its claim refused.
  const unused =
    'profileId' in changed
      ? unusedOfProfile(tx).all({ ...params, id: changed.profileId })
      : unusedOfUser(tx).all({ ...params, id: changed.userId });
  for (const { id, expiresAt } of unused) {
    const loaded = loadForCheck(tx, id);
    const { endNow } = recheckImpersonation(
      loaded,
      () => readSetting(tx, 'impersonation.operator'),
      { expiresAt, revokedAt: null },
      now,
    );
    if (endNow && loaded) endImpersonation(tx, loaded.row, endNow.reason, now, meta);
  }
}

/**
 * Brings the end of the running impersonations that match forward to `started + limit`, when
 * a limit was lowered: their sessions' expiry, which the banner counts down to, and the row's
 * `ends_at`. Never later than they were. The per-request re-check enforces the same bound.
 */
export function shortenImpersonations(tx: Queryable, match: SQL, limitMinutes: number): void {
  const limitMs = limitMinutes * 60_000;
  const running = and(match, isNull(impersonations.endedAt), isNotNull(impersonations.startedAt));
  tx.run(sql`UPDATE ${sessions} SET expires_at = MIN(expires_at,
      (SELECT started_at FROM ${impersonations} WHERE ${impersonations.id} = ${sessions.impersonationId}) + ${limitMs})
    WHERE ${sessions.impersonationId} IN (SELECT ${impersonations.id} FROM ${impersonations} WHERE ${running})`);
  tx.update(impersonations)
    .set({ endsAt: sql`MIN(${impersonations.endsAt}, ${impersonations.startedAt} + ${limitMs})` })
    .where(running)
    .run();
}

/** Ends the running impersonations a withdrawn support credential started. */
export function endImpersonationsOfCredential(
  tx: Queryable,
  credential: { kind: CredentialKind; id: string },
  reason: EndReason,
  now: number,
  meta: EndMeta,
): void {
  endWhere(tx, ofCredential(credential), reason, now, meta);
}

/** Ends every running impersonation by this person: they were disabled. */
export function endImpersonationsByActor(
  tx: Queryable,
  actorUserId: number,
  reason: EndReason,
  now: number,
  meta: EndMeta,
): void {
  endWhere(tx, eq(impersonations.actorUserId, actorUserId), reason, now, meta);
}

/**
 * Ends the running impersonations this person started from a credential of the given kinds
 * (a support login token, a handover link): the maker lost the right to make it (SPEC §4b),
 * though they may keep the right to impersonate through the operator door itself.
 */
export function endCredentialImpersonationsBy(
  tx: Queryable,
  makerUserId: number,
  kinds: readonly MadeKind[],
  now: number,
  meta: EndMeta,
): void {
  const started = kinds.filter((kind) => kind !== 'api_key');
  if (started.length === 0) return;
  const match = and(
    eq(impersonations.actorUserId, makerUserId),
    inArray(impersonations.credentialKind, started),
  ) as SQL;
  endWhere(tx, match, 'actor_lost_permission', now, meta);
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

export type { ImpersonationSession, Settled } from '../../lib/running-impersonation.ts';

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
  const { settled, endNow } = recheckImpersonation(
    loaded,
    () => readSetting(db, 'impersonation.operator'),
    session,
    now,
  );
  if (endNow && loaded) {
    db.transaction((tx) => {
      endImpersonation(tx, loaded.row, endNow.reason, now, meta, endNow.endedAt);
    });
  }
  return settled;
}
