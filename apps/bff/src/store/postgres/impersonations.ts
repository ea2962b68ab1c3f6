import type { EndReason } from '@onbehalf/contracts/impersonation';
import type { CredentialKind } from '@onbehalf/contracts/login-links';
import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { MadeKind } from '../../domain/credentials/policy.ts';
import { runningImpersonationsFromId } from '../../lib/metrics.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import {
  type ImpersonationSession,
  recheckImpersonation,
  type Settled,
} from '../../lib/running-impersonation.ts';
import { settingOrDefault } from '../../lib/settings.ts';
import { othersOfOwnSessionWhere, revokedNow } from '../own-sessions.ts';
import type { ImpersonationRow } from '../rows.ts';
import {
  byOrOf,
  type ChangedParty,
  runningImpersonationsWhere,
  unusedHandoffsWhere,
} from '../running-impersonations.ts';
import { sessionUserColumns } from '../session-user.ts';
import { appendAudit } from './audit.ts';
import { type PgDb, type PgTx, sentTogether, transaction } from './client.ts';
import { prepared, setTo } from './prepared.ts';
import { impersonations, organizations, profiles, sessions, settings, users } from './schema.ts';
import { revokeSession } from './sessions.ts';

/**
 * The impersonation lifecycle on PostgreSQL: the same commands, meanings and answers as on
 * SQLite (store/sqlite/impersonations.ts), each in the caller's transaction. Ending is a
 * compare-and-set on `ended_at`, so of two processes ending one impersonation at once exactly
 * one ends it, revokes its session and writes its audit event.
 */

const end = prepared((db) =>
  db
    .update(impersonations)
    .set({ endedAt: setTo('now'), endReason: setTo('reason') })
    .where(and(eq(impersonations.id, sql.placeholder('id')), isNull(impersonations.endedAt)))
    .returning({ id: impersonations.id })
    .prepare('impersonation_end'),
);

/**
 * Ends an impersonation once (compare-and-set on ended_at), revokes its session and audits
 * it, in the caller's transaction: the same command as on SQLite (store/sqlite/impersonations.ts),
 * `endedAt` too.
 */
export async function endImpersonation(
  tx: PgTx,
  key: Buffer,
  row: ImpersonationRow,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
  endedAt: number = now,
): Promise<boolean> {
  const ended = await end(tx).execute({ id: row.id, now: endedAt, reason });
  if (ended.length !== 1) return false;
  if (row.sessionId) await revokeSession(tx, row.sessionId, `impersonation_${reason}`, now);
  await appendAudit(
    tx,
    key,
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

/** Ends, one by one and each audited, the impersonations that match and have not ended. */
export async function endWhere(
  tx: PgTx,
  key: Buffer,
  match: SQL | undefined,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<number> {
  const running = await tx
    .select()
    .from(impersonations)
    .where(and(match, isNull(impersonations.endedAt)))
    .for('update');
  for (const row of running) await endImpersonation(tx, key, row, reason, now, meta);
  return running.length;
}

/**
 * Brings the end of the running impersonations that match forward to `started + limit`, never
 * later than they were: their sessions' expiry and the row's `ends_at`.
 */
export async function shortenImpersonations(
  tx: PgTx,
  match: SQL | undefined,
  limitMinutes: number,
): Promise<void> {
  const limitMs = limitMinutes * 60_000;
  const running = and(match, isNull(impersonations.endedAt), isNotNull(impersonations.startedAt));
  const rows = await tx
    .update(impersonations)
    .set({ endsAt: sql`LEAST(${impersonations.endsAt}, ${impersonations.startedAt} + ${limitMs})` })
    .where(running)
    .returning({ id: impersonations.id, startedAt: impersonations.startedAt });
  if (rows.length === 0) return;
  await tx
    .update(sessions)
    .set({
      expiresAt: sql`LEAST(${sessions.expiresAt}, (SELECT ${impersonations.startedAt} FROM ${impersonations} WHERE ${impersonations.id} = ${sessions.impersonationId}) + ${limitMs})`,
    })
    .where(
      inArray(
        sessions.impersonationId,
        rows.map((r) => r.id),
      ),
    );
}

/** Ends every running impersonation started from this (actor) session. */
export async function endImpersonationsOfActorSession(
  tx: PgTx,
  key: Buffer,
  actorSessionId: string,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  await endWhere(tx, key, eq(impersonations.actorSessionId, actorSessionId), reason, now, meta);
}

/**
 * One impersonation at a time per own session (SPEC §4 rule 4, docs/decisions/037): before
 * another starts from it, every other one it started or asked a hand-off for ends as replaced,
 * in the starting command's transaction; before it asks for another hand-off (`unused`), the
 * ones it asked for and never used. The own session's row is locked first, so two commands from
 * one session queue here, the second ending what the first made, instead of each missing the
 * other. The lock and the read are sent together: one wait.
 */
export async function endOthersOfActorSession(
  tx: PgTx,
  key: Buffer,
  actorSessionId: string,
  startingId: string,
  now: number,
  meta: RequestMeta,
  which: 'all' | 'unused' = 'all',
): Promise<void> {
  const [locked, others] = sentTogether(
    lockOwnSession(tx).execute({ actorSessionId }),
    othersOfOwnSession[which](tx).execute({ actorSessionId, startingId }),
  );
  await locked;
  for (const row of await others) await endImpersonation(tx, key, row, 'replaced', now, meta);
}

const lockOwnSession = prepared((db) =>
  db
    .select({ id: sessions.id })
    .from(sessions)
    .where(eq(sessions.id, sql.placeholder('actorSessionId')))
    .for('update')
    .prepare('impersonation_lock_own_session'),
);

const othersOfOwnSessionOf = (which: 'all' | 'unused') =>
  prepared((db) =>
    db
      .select()
      .from(impersonations)
      .where(othersOfOwnSessionWhere(impersonations, which))
      .for('update')
      .prepare(`impersonation_${which === 'all' ? 'others' : 'unused'}_of_own_session`),
  );
const othersOfOwnSession = {
  all: othersOfOwnSessionOf('all'),
  unused: othersOfOwnSessionOf('unused'),
};

/**
 * Ends every running impersonation started from these (actor) sessions, which the command is
 * revoking (a profile switch, a session replaced, a password change): each is ended and audited
 * now, as a sign-out ends its own, not only at its next request, so that the person acted as
 * no longer sees it running. How many it ended.
 */
export async function endImpersonationsOfActorSessions(
  tx: PgTx,
  key: Buffer,
  actorSessionIds: readonly string[],
  now: number,
  meta: RequestMeta,
): Promise<number> {
  if (actorSessionIds.length === 0) return 0;
  return endWhere(
    tx,
    key,
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
export async function endImpersonationsFromRevoked(
  tx: PgTx,
  key: Buffer,
  userId: number,
  reason: string,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  const revoked = tx
    .select({ id: sessions.id })
    .from(sessions)
    .where(revokedNow(sessions, userId, reason, now));
  await endWhere(
    tx,
    key,
    inArray(impersonations.actorSessionId, revoked),
    'actor_session_ended',
    now,
    meta,
  );
}

/**
 * Ends the started impersonations acting as this user: their sessions are being revoked (a
 * password change), and each ends with its audit event rather than silently. `unused too`
 * (the person is disabled): the hand-offs not yet used as well, which an exchange checked
 * before its own transaction would otherwise start.
 */
export async function endImpersonationsOfTarget(
  tx: PgTx,
  key: Buffer,
  targetUserId: number,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
  which: 'started' | 'unused too' = 'started',
): Promise<void> {
  const match = and(
    eq(impersonations.targetUserId, targetUserId),
    which === 'started' ? isNotNull(impersonations.startedAt) : undefined,
  );
  await endWhere(tx, key, match, reason, now, meta);
}

/** Ends the running team impersonations of a profile whose member has just opted out. */
export async function endTeamImpersonationsOfProfile(
  tx: PgTx,
  key: Buffer,
  profileId: number,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  const match = and(eq(impersonations.targetProfileId, profileId), eq(impersonations.door, 'team'));
  await endWhere(tx, key, match, reason, now, meta);
}

/** Ends the running impersonations a withdrawn support credential started. */
export async function endImpersonationsOfCredential(
  tx: PgTx,
  key: Buffer,
  credential: { kind: CredentialKind; id: string },
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  const match = and(
    eq(impersonations.credentialKind, credential.kind),
    eq(impersonations.credentialId, credential.id),
  );
  await endWhere(tx, key, match, reason, now, meta);
}

/** Ends every running impersonation by this person: they were disabled. */
export async function endImpersonationsByActor(
  tx: PgTx,
  key: Buffer,
  actorUserId: number,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  await endWhere(tx, key, eq(impersonations.actorUserId, actorUserId), reason, now, meta);
}

/**
 * Ends the running impersonations this person started from a credential of the given kinds
 * (a support login token, a handover link): the maker lost the right to make it (SPEC §4b),
 * though they may keep the right to impersonate through the operator door itself.
 */
export async function endCredentialImpersonationsBy(
  tx: PgTx,
  key: Buffer,
  makerUserId: number,
  kinds: readonly MadeKind[],
  now: number,
  meta: RequestMeta,
): Promise<void> {
  const started = kinds.filter((kind) => kind !== 'api_key');
  if (started.length === 0) return;
  const match = and(
    eq(impersonations.actorUserId, makerUserId),
    inArray(impersonations.credentialKind, started),
  ) as SQL;
  await endWhere(tx, key, match, 'actor_lost_permission', now, meta);
}

/** Ends the impersonation a session belongs to, if it is still running. */
export async function endImpersonationOfSession(
  tx: PgTx,
  key: Buffer,
  impersonationId: string,
  reason: EndReason,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  await endWhere(tx, key, eq(impersonations.id, impersonationId), reason, now, meta);
}

const actorSession = alias(sessions, 'actor_session');
const actorUser = alias(users, 'actor_user');
const actorProfile = alias(profiles, 'actor_profile');
const targetUser = alias(users, 'target_user');
const targetProfile = alias(profiles, 'target_profile');

/**
 * Everything the re-check looks at, in one round trip: the impersonation, both people, their
 * profiles, the actor's own session, the organization and the operator setting. A named
 * prepared statement, parsed once per pooled connection: it runs on every impersonated request.
 */
function forCheckQuery(db: PgDb) {
  return db
    .select({
      row: impersonations,
      actorSession,
      actorUser: sessionUserColumns(actorUser),
      actorProfile,
      targetUser: sessionUserColumns(targetUser),
      targetProfile,
      organization: organizations,
      operatorSetting: settings.value,
    })
    .from(impersonations)
    .innerJoin(actorUser, eq(actorUser.id, impersonations.actorUserId))
    .innerJoin(targetUser, eq(targetUser.id, impersonations.targetUserId))
    .leftJoin(actorSession, eq(actorSession.id, impersonations.actorSessionId))
    .leftJoin(actorProfile, eq(actorProfile.id, impersonations.actorProfileId))
    .leftJoin(targetProfile, eq(targetProfile.id, impersonations.targetProfileId))
    .leftJoin(organizations, eq(organizations.id, impersonations.organizationId))
    .leftJoin(settings, eq(settings.key, sql`'impersonation.operator'`))
    .where(eq(impersonations.id, sql.placeholder('id')))
    .prepare('impersonation_for_check');
}

const forCheck = prepared(forCheckQuery);

async function loadForCheck(db: PgDb, impersonationId: string) {
  const [loaded] = await forCheck(db).execute({ id: impersonationId });
  return loaded;
}

/**
 * Decides whether an impersonation session may serve this request, with the same rules and
 * facts as on SQLite (lib/running-impersonation.ts). If one no longer holds (time is up, the
 * actor signed out, lost the right, the setting went off), the impersonation is ended there
 * and then, in its own transaction.
 */
export async function settleImpersonation(
  db: PgDb,
  key: Buffer,
  impersonationId: string,
  session: ImpersonationSession,
  now: number,
  meta: RequestMeta,
): Promise<Settled> {
  const loaded = await loadForCheck(db, impersonationId);
  const { settled, endNow } = recheckImpersonation(
    loaded,
    () => settingOrDefault('impersonation.operator', loaded?.operatorSetting),
    session,
    now,
  );
  if (endNow && loaded) {
    await transaction(db, async (tx) => {
      await endImpersonation(tx, key, loaded.row, endNow.reason, now, meta, endNow.endedAt);
    });
  }
  return settled;
}

const impersonationSession = alias(sessions, 'impersonation_session');

/** The running impersonations by or of a profile (or of a person), with their own sessions. */
const runningOf = (by: 'profile' | 'user') =>
  prepared((db) =>
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
      .where(and(runningImpersonationsWhere(impersonations), byOrOf(impersonations, by)))
      .prepare(`impersonations_running_of_${by}`),
  );
const runningOfProfile = runningOf('profile');
const runningOfUser = runningOf('user');

/** The unused hand-offs by or of a profile (or of a person), with the minute each has left. */
const unusedOf = (by: 'profile' | 'user') =>
  prepared((db) =>
    db
      .select({ id: impersonations.id, expiresAt: impersonations.handoffExpiresAt })
      .from(impersonations)
      .where(and(unusedHandoffsWhere(impersonations), byOrOf(impersonations, by)))
      // Locked: an exchange claiming one meanwhile is waited for, and one it claimed is no
      // longer unused once it commits (then read as running).
      .for('update')
      .prepare(`impersonations_unused_of_${by}`),
  );
const unusedOfProfile = unusedOf('profile');
const unusedOfUser = unusedOf('user');

/**
 * Ends, each audited, the running impersonations by or of this profile (or person) that its
 * role or permissions, as they now are, no longer allow: the per-request re-check is asked
 * about each (lib/running-impersonation.ts, domain/impersonation/policy.ts `reasonToEnd`) with
 * the facts read in the caller's transaction, and each ends with the reason it gives. The same
 * command as on SQLite (store/sqlite/impersonations.ts).
 */
export async function endImpersonationsNoLongerAllowed(
  tx: PgTx,
  key: Buffer,
  changed: ChangedParty,
  now: number,
  meta: RequestMeta,
): Promise<void> {
  const params = { fromId: runningImpersonationsFromId(now), now };
  // The running ones and their own sessions, read as /metrics counts them (a range of recent
  // ids, so the work does not grow with the history); each is then read as the per-request
  // re-check reads it (`loadForCheck`), in this transaction.
  const endRunning = async () => {
    const running =
      'profileId' in changed
        ? await runningOfProfile(tx).execute({ ...params, id: changed.profileId })
        : await runningOfUser(tx).execute({ ...params, id: changed.userId });
    for (const { id, session } of running) {
      const loaded = await loadForCheck(tx, id);
      const { endNow } = recheckImpersonation(
        loaded,
        () => settingOrDefault('impersonation.operator', loaded?.operatorSetting),
        session,
        now,
      );
      // endImpersonation is itself a compare-and-set: one ended meanwhile is left as it ended.
      if (endNow && loaded) {
        await endImpersonation(tx, key, loaded.row, endNow.reason, now, meta, endNow.endedAt);
      }
    }
  };
  await endRunning();
  // Then the hand-offs not yet used, asked as if started now: the exchange checked before its
  // own transaction, so one the change no longer allows is withdrawn here, and its claim
  // refused. Locked after the running ones, as an exchange locks them (the impersonation it
  // replaces, then its hand-off), so the two wait for each other, never deadlock.
  const unused =
    'profileId' in changed
      ? await unusedOfProfile(tx).execute({ ...params, id: changed.profileId })
      : await unusedOfUser(tx).execute({ ...params, id: changed.userId });
  for (const { id, expiresAt } of unused) {
    const loaded = await loadForCheck(tx, id);
    const { endNow } = recheckImpersonation(
      loaded,
      () => settingOrDefault('impersonation.operator', loaded?.operatorSetting),
      { expiresAt, revokedAt: null },
      now,
    );
    if (endNow && loaded) await endImpersonation(tx, key, loaded.row, endNow.reason, now, meta);
  }
  // A hand-off claimed while the lock above waited for it is no longer unused, and was not
  // running when first read: read again.
  await endRunning();
}
