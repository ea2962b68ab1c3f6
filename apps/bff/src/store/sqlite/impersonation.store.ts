import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type {
  ImpersonationStore,
  Started,
  StartHandover,
} from '../../features/impersonation/impersonation.store.ts';
import type { RequestMeta } from '../../lib/request-meta.ts';
import { olderThan } from '../keyset.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { placeholdersFor } from '../placeholders.ts';
import { overdueImpersonations } from '../running-impersonations.ts';
import { recordAudit } from './audit.ts';
import { recordRepeatable } from './audit-repeats.ts';
import type { Queryable, Tx } from './client.ts';
import type { SqliteContext } from './context.ts';
import { endImpersonation, endOthersOfActorSession } from './impersonations.ts';
import { preparedPerHandle } from './prepared.ts';
import { impersonations } from './schema/impersonations.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { sessions } from './schema/sessions.ts';
import { users } from './schema/users.ts';
import { mintSession } from './sessions.ts';

const teamTarget = preparedPerHandle((db: Queryable) =>
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
    .prepare(),
);

const insertColumns = [
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
  'handoffUsedAt',
  'sessionId',
  'startedAt',
  'endsAt',
  'credentialKind',
  'credentialId',
] as const;

const insert = preparedPerHandle((db: Queryable) =>
  db.insert(impersonations).values(placeholdersFor(insertColumns)).prepare(),
);

const byId = preparedPerHandle((db: Queryable) =>
  db
    .select()
    .from(impersonations)
    .where(eq(impersonations.id, sql.placeholder('id')))
    .prepare(),
);

/**
 * The single-use step: exactly one caller can flip handoff_used_at, however many race, and
 * only before the hand-off expires. The same statement records the session it became.
 */
const claimAndStart = preparedPerHandle((db: Queryable) =>
  db
    .update(impersonations)
    .set({
      handoffUsedAt: sql.placeholder('now') as never,
      startedAt: sql.placeholder('now') as never,
      sessionId: sql.placeholder('sessionId') as never,
      endsAt: sql.placeholder('endsAt') as never,
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
    .prepare(),
);

const profileCount =
  sql<number>`(SELECT count(*) FROM ${profiles} WHERE ${profiles.userId} = ${sessions.userId})`.mapWith(
    Number,
  );

const sessionById = preparedPerHandle((db: Queryable) =>
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
    .prepare(),
);

const actor = alias(users, 'actor');

/**
 * Starts a support handover's impersonation in the caller's transaction, which has just claimed
 * the credential: the session, the row (started), and its audit event.
 */
export function startHandoverIn(tx: Tx, start: StartHandover, meta: RequestMeta): Started {
  const { actorSessionId, id, issuedAt } = start.impersonation;
  endOthersOfActorSession(tx, actorSessionId, id, issuedAt, meta);
  const minted = mintSession(tx, start.session);
  insert(tx).run({ ...start.impersonation, sessionId: minted.session.id });
  recordAudit(tx, { ...start.audit, sessionId: minted.session.id }, meta);
  return minted;
}

export function sqliteImpersonation({ db }: SqliteContext): ImpersonationStore {
  return {
    async teamTarget(organizationId, profileId) {
      return teamTarget(db).get({ organizationId, profileId });
    },
    async userWithProfiles(userId) {
      const user = db.select().from(users).where(eq(users.id, userId)).get();
      if (!user) return undefined;
      const found = db
        .select({ profile: profiles, organization: organizations })
        .from(profiles)
        .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
        .where(eq(profiles.userId, userId))
        .orderBy(asc(profiles.id))
        .all();
      return { user, profiles: found };
    },
    async findById(id) {
      return byId(db).get({ id });
    },
    async session(id) {
      return sessionById(db).get({ id });
    },
    async overdue(now, after, limit) {
      const rows = overdueQuery(db, now, after, limit).all();
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
        .limit(limit + 1)
        .all();
    },

    async recordRefusal(entry, rule, meta) {
      recordRepeatable(db, entry, rule, meta);
    },
    async issueHandoff({ handoff, audit, meta }) {
      db.transaction((tx) => {
        const { actorSessionId, id, issuedAt } = handoff;
        endOthersOfActorSession(tx, actorSessionId, id, issuedAt, meta, 'unused');
        insert(tx).run({
          handoffUsedAt: null,
          sessionId: null,
          startedAt: null,
          endsAt: null,
          credentialKind: null,
          credentialId: null,
          ...handoff,
        });
        recordAudit(tx, audit, meta);
      });
    },
    async exchange({ id, actorSessionId, session, audit, now, meta }) {
      return orLostRace(() =>
        db.transaction((tx) => {
          endOthersOfActorSession(tx, actorSessionId, id, now, meta);
          const minted = mintSession(tx, session);
          const claim = { id, now, sessionId: minted.session.id, endsAt: session.expiresAt };
          // Throwing rolls the session back with it: a lost race leaves nothing behind.
          if (claimAndStart(tx).run(claim).changes !== 1) throw new LostRace();
          recordAudit(tx, { ...audit, sessionId: minted.session.id }, meta);
          return minted;
        }),
      );
    },
    async leave({ row, now, meta }) {
      db.transaction((tx) => {
        endImpersonation(tx, row, 'left', now, meta);
      });
    },
  };
}

function overdueQuery(
  db: Queryable,
  now: number,
  after: readonly [number, string] | undefined,
  limit: number,
) {
  const overdue = overdueImpersonations(impersonations, now, after);
  return db
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
}

/** The statement's SQL, for a test that asks SQLite how it runs it. */
export const overdueSql = (db: Queryable) => overdueQuery(db, 0, [0, ''], 100).toSQL();
