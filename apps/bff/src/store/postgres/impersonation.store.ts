import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type {
  ImpersonationStore,
  Started,
  StartHandover,
} from '../../features/impersonation/impersonation.store.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { appendAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import type { PgTx } from './client.ts';
import type { PostgresContext } from './context.ts';
import { endImpersonation } from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { impersonations, organizations, profiles, sessions, users } from './schema.ts';
import { mintSession } from './sessions.ts';

const actor = alias(users, 'actor');

const profileCount = sql<number>`(SELECT count(*) FROM ${profiles} WHERE ${profiles.userId} = ${sessions.userId})::int`;

/**
 * Starts a support handover's impersonation in the caller's transaction, which has just claimed
 * the credential: the session, the row (started), and its audit event.
 */
export async function startHandoverIn(
  tx: PgTx,
  auditKey: Buffer,
  start: StartHandover,
  meta: RequestMeta,
): Promise<Started> {
  const minted = await mintSession(tx, start.session);
  await tx.insert(impersonations).values({ ...start.impersonation, sessionId: minted.session.id });
  await appendAudit(tx, auditKey, { ...start.audit, sessionId: minted.session.id }, meta);
  return minted;
}

export function postgresImpersonation({ db, auditKey }: PostgresContext): ImpersonationStore {
  return {
    async teamTarget(organizationId, profileId) {
      if (!isIntegerId(profileId)) return undefined;
      const [found] = await db
        .select({ profile: profiles, user: users, organization: organizations })
        .from(profiles)
        .innerJoin(users, eq(users.id, profiles.userId))
        .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
        .where(and(eq(profiles.id, profileId), eq(profiles.organizationId, organizationId)));
      return found;
    },
    async userWithProfiles(userId) {
      if (!isIntegerId(userId)) return undefined;
      const [user] = await db.select().from(users).where(eq(users.id, userId));
      if (!user) return undefined;
      const found = await db
        .select({ profile: profiles, organization: organizations })
        .from(profiles)
        .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
        .where(eq(profiles.userId, userId))
        .orderBy(asc(profiles.id));
      return { user, profiles: found };
    },
    async findById(id) {
      const [found] = await db.select().from(impersonations).where(eq(impersonations.id, id));
      return found;
    },
    async session(id) {
      const [found] = await db
        .select({
          session: sessions,
          user: users,
          profile: profiles,
          organization: organizations,
          profileCount,
        })
        .from(sessions)
        .leftJoin(users, eq(users.id, sessions.userId))
        .leftJoin(profiles, eq(profiles.id, sessions.profileId))
        .leftJoin(organizations, eq(organizations.id, profiles.organizationId))
        .where(eq(sessions.id, id));
      return found;
    },
    async accessHistory(targetUserId, limit) {
      return db
        .select({ row: impersonations, actor, organizationName: organizations.name })
        .from(impersonations)
        .innerJoin(actor, eq(actor.id, impersonations.actorUserId))
        .leftJoin(organizations, eq(organizations.id, impersonations.organizationId))
        .where(eq(impersonations.targetUserId, targetUserId))
        .orderBy(desc(impersonations.issuedAt), desc(impersonations.id))
        .limit(limit);
    },

    async recordRefusal(entry, rule, meta) {
      await recordRepeatable(db, auditKey, entry, rule, meta);
    },
    async issueHandoff({ handoff, audit, meta }) {
      await db.transaction(async (tx) => {
        await tx.insert(impersonations).values(handoff);
        await appendAudit(tx, auditKey, audit, meta);
      });
    },
    async exchange({ id, session, audit, now, meta }) {
      return orLostRace(() =>
        db.transaction(async (tx) => {
          const minted = await mintSession(tx, session);
          // Of concurrent exchanges on any process, the first to update the row wins; the
          // others wait for its commit, then find it used and roll their session back.
          const claimed = await tx
            .update(impersonations)
            .set({
              handoffUsedAt: now,
              startedAt: now,
              sessionId: minted.session.id,
              endsAt: session.expiresAt,
            })
            .where(
              and(
                eq(impersonations.id, id),
                isNull(impersonations.handoffUsedAt),
                gt(impersonations.handoffExpiresAt, now),
              ),
            )
            .returning({ id: impersonations.id });
          if (claimed.length !== 1) throw new LostRace();
          await appendAudit(tx, auditKey, { ...audit, sessionId: minted.session.id }, meta);
          return minted;
        }),
      );
    },
    async leave({ row, now, meta }) {
      await db.transaction(async (tx) => {
        await endImpersonation(tx, auditKey, row, 'left', now, meta);
      });
    },
  };
}
