import { and, count, desc, eq, gt, isNull, lt } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AuthStore } from '../../features/auth/auth.store.ts';
import { sessionsMatching } from '../own-sessions.ts';
import { appendAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import { transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { describeCredentialSession, settleCredentialSession } from './credentials.ts';
import {
  endImpersonationOfSession,
  endImpersonationsOfActorSession,
  settleImpersonation,
} from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { postgresOneClick } from './one-click.store.ts';
import { impersonations, organizations, profiles, sessions, users } from './schema.ts';
import { containsAny } from './search.ts';
import {
  findSessionByToken,
  makeRoomForSession,
  mintSession,
  revokeSession,
  touchSession,
} from './sessions.ts';

const actor = alias(users, 'actor');

export function postgresAuth(context: PostgresContext): AuthStore {
  const { db, auditKey } = context;
  // The same reads as the one-click links' (whose email is whose, a user's profiles).
  const identities = postgresOneClick(context);
  return {
    sessionByToken(token) {
      return findSessionByToken(db, token);
    },
    settleImpersonation(impersonationId, session, now, meta) {
      return settleImpersonation(db, auditKey, impersonationId, session, now, meta);
    },
    settleCredentialSession(session, now, meta) {
      return settleCredentialSession(db, auditKey, session, now, meta);
    },
    touch(session, now) {
      return touchSession(db, session, now);
    },
    findUserByEmail: identities.findUserByEmail,
    async soleProfile(userId) {
      const rows = await identities.profilesOf(userId);
      return rows.length === 1 ? (rows[0] ?? null) : null;
    },
    async profileCount(userId) {
      if (!isIntegerId(userId)) return 0;
      const [row] = await db
        .select({ n: count() })
        .from(profiles)
        .where(eq(profiles.userId, userId));
      return row?.n ?? 0;
    },
    async recordSignInFailed({ audit, meta, repeats }) {
      await recordRepeatable(db, auditKey, audit, repeats, meta);
    },
    signIn({ session, audit, meta }) {
      return transaction(db, async (tx) => {
        await makeRoomForSession(tx, session);
        const minted = await mintSession(tx, session);
        await appendAudit(tx, auditKey, { ...audit, sessionId: minted.session.id }, meta);
        return minted;
      });
    },
    endSession({ sessionId, reason, impersonation, startedEndReason, audit, now, meta }) {
      return transaction(db, async (tx) => {
        // The own session's row first, then its impersonations: the order a start takes them
        // in (ADR 037), so a sign-out and a start from the same session queue, never deadlock.
        if (!(await revokeSession(tx, sessionId, reason, now))) return false;
        if (impersonation) {
          await endImpersonationOfSession(
            tx,
            auditKey,
            impersonation.id,
            impersonation.reason,
            now,
            meta,
          );
        }
        await endImpersonationsOfActorSession(tx, auditKey, sessionId, startedEndReason, now, meta);
        await appendAudit(tx, auditKey, audit, meta);
        return true;
      });
    },
    async liveSessions(userId, now, idleSince, page) {
      if (!isIntegerId(userId)) return [];
      const rows = await db
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
        .limit(page.limit + 1);
      return Promise.all(
        rows.map(async (row) => ({
          ...row,
          credential: row.session.viaKind ? await describeCredentialSession(db, row.session) : null,
        })),
      );
    },
    async findSession(id) {
      const [session] = await db.select().from(sessions).where(eq(sessions.id, id));
      return session;
    },
  };
}
