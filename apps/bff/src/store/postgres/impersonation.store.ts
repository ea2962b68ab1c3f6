import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type {
  ImpersonationStore,
  NewHandoff,
  Started,
  StartHandover,
} from '../../features/impersonation/impersonation.store.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { olderThan } from '../keyset.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { placeholdersFor } from '../placeholders.ts';
import { overdueImpersonations } from '../running-impersonations.ts';
import { appendAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import { type PgTx, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { endImpersonation, endOthersOfActorSession } from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { profilesWithOrganization, userById } from './lookups.ts';
import { prepared, setTo } from './prepared.ts';
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
  const { actorSessionId, id, issuedAt } = start.impersonation;
  await endOthersOfActorSession(tx, auditKey, actorSessionId, id, issuedAt, meta);
  const minted = await mintSession(tx, start.session);
  await tx.insert(impersonations).values({ ...start.impersonation, sessionId: minted.session.id });
  await appendAudit(tx, auditKey, { ...start.audit, sessionId: minted.session.id }, meta);
  return minted;
}

const teamTarget = prepared((db) =>
  db
    .select({ profile: profiles, user: users, organization: organizations })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(
      and(
        eq(profiles.id, sql.placeholder('profileId')),
        eq(profiles.organizationId, sql.placeholder('organizationId')),
      ),
    )
    .prepare('impersonation_team_target'),
);

const impersonationById = prepared((db) =>
  db
    .select()
    .from(impersonations)
    .where(eq(impersonations.id, sql.placeholder('id')))
    .prepare('impersonation_by_id'),
);

const sessionWithProfileCount = prepared((db) =>
  db
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
    .where(eq(sessions.id, sql.placeholder('id')))
    .prepare('session_with_profile_count'),
);

const insertHandoff = prepared((db) =>
  db
    .insert(impersonations)
    .values(
      placeholdersFor([
        'id',
        'door',
        'actorUserId',
        'actorProfileId',
        'actorSessionId',
        'targetUserId',
        'targetProfileId',
        'organizationId',
        'reason',
        'ticket',
        'handoffTokenHash',
        'handoffExpiresAt',
        'issuedAt',
      ] as const satisfies readonly (keyof NewHandoff)[]),
    )
    .prepare('impersonation_handoff_insert'),
);

/**
 * Of concurrent exchanges on any process, the first to update the row wins; the others wait
 * for its commit, then find it used and roll their session back.
 */
const claimHandoff = prepared((db) =>
  db
    .update(impersonations)
    .set({
      handoffUsedAt: setTo('now'),
      startedAt: setTo('now'),
      sessionId: setTo('sessionId'),
      endsAt: setTo('endsAt'),
    })
    .where(
      and(
        eq(impersonations.id, sql.placeholder('id')),
        isNull(impersonations.handoffUsedAt),
        // Not withdrawn before it was used (an opt-out, a door closed, rights lost: ADR 023).
        isNull(impersonations.endedAt),
        gt(impersonations.handoffExpiresAt, sql.placeholder('now')),
      ),
    )
    .returning({ id: impersonations.id })
    .prepare('impersonation_handoff_claim'),
);

export function postgresImpersonation({ db, auditKey }: PostgresContext): ImpersonationStore {
  return {
    async teamTarget(organizationId, profileId) {
      if (!isIntegerId(profileId)) return undefined;
      const [found] = await teamTarget(db).execute({ profileId, organizationId });
      return found;
    },
    async userWithProfiles(userId) {
      if (!isIntegerId(userId)) return undefined;
      const [user] = await userById(db).execute({ id: userId });
      if (!user) return undefined;
      return { user, profiles: await profilesWithOrganization(db).execute({ userId }) };
    },
    async findById(id) {
      const [found] = await impersonationById(db).execute({ id });
      return found;
    },
    async session(id) {
      const [found] = await sessionWithProfileCount(db).execute({ id });
      return found;
    },
    async overdue(now, after, limit) {
      const overdue = overdueImpersonations(impersonations, now, after);
      const rows = await db
        .select({
          id: impersonations.id,
          endsAt: impersonations.endsAt,
          expiresAt: sessions.expiresAt,
          revokedAt: sessions.revokedAt,
        })
        .from(impersonations)
        .innerJoin(sessions, eq(sessions.id, impersonations.sessionId))
        .where(overdue.where)
        .orderBy(...overdue.orderBy)
        .limit(limit);
      return rows.map(({ id, endsAt, expiresAt, revokedAt }) => ({
        id,
        endsAt: endsAt ?? expiresAt,
        session: { expiresAt, revokedAt },
      }));
    },

    async accessHistory(targetUserId, { after, limit }) {
      return db
        .select({ row: impersonations, actor, organizationName: organizations.name })
        .from(impersonations)
        .innerJoin(actor, eq(actor.id, impersonations.actorUserId))
        .leftJoin(organizations, eq(organizations.id, impersonations.organizationId))
        .where(
          and(
            eq(impersonations.targetUserId, targetUserId),
            olderThan(impersonations.issuedAt, impersonations.id, after),
          ),
        )
        .orderBy(desc(impersonations.issuedAt), desc(impersonations.id))
        .limit(limit + 1);
    },

    async recordRefusal(entry, rule, meta) {
      await recordRepeatable(db, auditKey, entry, rule, meta);
    },
    async issueHandoff({ handoff, audit, meta }) {
      await transaction(db, async (tx) => {
        const { actorSessionId, id, issuedAt } = handoff;
        await endOthersOfActorSession(tx, auditKey, actorSessionId, id, issuedAt, meta, 'unused');
        await insertHandoff(tx).execute(handoff);
        await appendAudit(tx, auditKey, audit, meta);
      });
    },
    async exchange({ id, actorSessionId, session, audit, now, meta }) {
      return orLostRace(() =>
        transaction(db, async (tx) => {
          await endOthersOfActorSession(tx, auditKey, actorSessionId, id, now, meta);
          const minted = await mintSession(tx, session);
          const claimed = await claimHandoff(tx).execute({
            id,
            now,
            sessionId: minted.session.id,
            endsAt: session.expiresAt,
          });
          if (claimed.length !== 1) throw new LostRace();
          await appendAudit(tx, auditKey, { ...audit, sessionId: minted.session.id }, meta);
          return minted;
        }),
      );
    },
    async leave({ row, now, meta }) {
      await transaction(db, async (tx) => {
        await endImpersonation(tx, auditKey, row, 'left', now, meta);
      });
    },
  };
}
