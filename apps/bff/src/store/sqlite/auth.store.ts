import { and, count, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { AuthStore } from '../../features/auth/auth.store.ts';
import { sessionsMatching } from '../own-sessions.ts';
import { recordAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import type { Queryable } from './client.ts';
import type { SqliteContext } from './context.ts';
import { describeCredentialSession, settleCredentialSession } from './credentials.ts';
import {
  endImpersonationOfSession,
  endImpersonationsOfActorSession,
  settleImpersonation,
} from './impersonations.ts';
import { sqliteOneClick } from './one-click.store.ts';
import { preparedPerHandle } from './prepared.ts';
import { impersonations } from './schema/impersonations.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { sessions } from './schema/sessions.ts';
import { users } from './schema/users.ts';
import { containsAny } from './search.ts';
import {
  findSessionByToken,
  makeRoomForSession,
  mintSession,
  revokeSession,
  touchSession,
} from './sessions.ts';

const profileCountOf = preparedPerHandle((db: Queryable) =>
  db
    .select({ n: count() })
    .from(profiles)
    .where(eq(profiles.userId, sql.placeholder('userId')))
    .prepare(),
);

const actor = alias(users, 'actor');

function liveSessionsQuery(
  db: Queryable,
  userId: number,
  now: number,
  idleSince: number,
  page: { before?: string | undefined; query?: string | undefined; limit: number },
) {
  return db
    .select({
      session: sessions,
      organizationName: organizations.name,
      actor: { name: actor.name, kind: actor.kind, operatorRole: actor.operatorRole },
    })
    .from(sessions)
    .leftJoin(profiles, eq(profiles.id, sessions.profileId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId))
    .leftJoin(impersonations, eq(impersonations.id, sessions.impersonationId))
    .leftJoin(actor, eq(actor.id, impersonations.actorUserId))
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, idleSince),
        page.before !== undefined ? lt(sessions.id, page.before) : undefined,
        page.query
          ? sessionsMatching({ sessions, organizations, actor }, page.query, containsAny)
          : undefined,
      ),
    )
    .orderBy(desc(sessions.id))
    .limit(page.limit + 1)
    .all();
}

export function sqliteAuth(context: SqliteContext): AuthStore {
  const { db } = context;
  // The same reads as the one-click links' (whose email is whose, a user's profiles).
  const identities = sqliteOneClick(context);
  return {
    async sessionByToken(token) {
      return findSessionByToken(db, token);
    },
    async settleImpersonation(impersonationId, session, now, meta) {
      return settleImpersonation(db, impersonationId, session, now, meta);
    },
    async settleCredentialSession(session, now, meta) {
      return settleCredentialSession(db, session, now, meta);
    },
    async touch(session, now) {
      touchSession(db, session, now);
    },
    findUserByEmail: identities.findUserByEmail,
    async soleProfile(userId) {
      const rows = await identities.profilesOf(userId);
      return rows.length === 1 ? (rows[0] ?? null) : null;
    },
    async profileCount(userId) {
      return profileCountOf(db).get({ userId })?.n ?? 0;
    },
    async recordSignInFailed({ audit, meta, repeats }) {
      recordRepeatable(db, audit, repeats, meta);
    },
    async signIn({ session, audit, meta }) {
      return db.transaction((tx) => {
        makeRoomForSession(tx, session);
        const minted = mintSession(tx, session);
        recordAudit(tx, { ...audit, sessionId: minted.session.id }, meta);
        return minted;
      });
    },
    async endSession({ sessionId, reason, impersonation, startedEndReason, audit, now, meta }) {
      return db.transaction((tx) => {
        if (!revokeSession(tx, sessionId, reason, now)) return false;
        if (impersonation) {
          endImpersonationOfSession(tx, impersonation.id, impersonation.reason, now, meta);
        }
        endImpersonationsOfActorSession(tx, sessionId, startedEndReason, now, meta);
        recordAudit(tx, audit, meta);
        return true;
      });
    },
    async liveSessions(userId, now, idleSince, page) {
      return liveSessionsQuery(db, userId, now, idleSince, page).map((row) => ({
        ...row,
        credential: row.session.viaKind ? describeCredentialSession(db, row.session) : null,
      }));
    },
    async findSession(id) {
      return db.select().from(sessions).where(eq(sessions.id, id)).get();
    },
  };
}
