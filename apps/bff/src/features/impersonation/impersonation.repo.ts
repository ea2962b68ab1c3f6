import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../../store/sqlite/client.ts';
import { placeholdersFor, preparedPerHandle } from '../../store/sqlite/prepared.ts';
import { type ImpersonationRow, impersonations } from '../../store/sqlite/schema/impersonations.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';

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

export function findTeamTarget(db: Queryable, organizationId: number, profileId: number) {
  return teamTarget(db).get({ organizationId, profileId });
}

export function findUser(db: Queryable, userId: number) {
  return db.select().from(users).where(eq(users.id, userId)).get();
}

export function listProfilesWithOrganization(db: Queryable, userId: number) {
  return db
    .select({ profile: profiles, organization: organizations })
    .from(profiles)
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, userId))
    .all();
}

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

/** What a hand-off issue writes; a support handover starts the impersonation in the same row. */
type Required =
  | 'id'
  | 'door'
  | 'actorUserId'
  | 'actorProfileId'
  | 'actorSessionId'
  | 'targetUserId'
  | 'targetProfileId'
  | 'organizationId'
  | 'reason'
  | 'ticket'
  | 'handoffTokenHash'
  | 'handoffExpiresAt'
  | 'issuedAt';

const insert = preparedPerHandle((db: Queryable) =>
  db.insert(impersonations).values(placeholdersFor(insertColumns)).prepare(),
);

export function insertImpersonation(
  db: Queryable,
  values: Pick<ImpersonationRow, Required> &
    Partial<Pick<ImpersonationRow, (typeof insertColumns)[number]>>,
) {
  insert(db).run({
    handoffUsedAt: null,
    sessionId: null,
    startedAt: null,
    endsAt: null,
    credentialKind: null,
    credentialId: null,
    ...values,
  });
}

const byId = preparedPerHandle((db: Queryable) =>
  db
    .select()
    .from(impersonations)
    .where(eq(impersonations.id, sql.placeholder('id')))
    .prepare(),
);

export function findImpersonationById(db: Queryable, id: string) {
  return byId(db).get({ id });
}

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
        gt(impersonations.handoffExpiresAt, sql.placeholder('now')),
      ),
    )
    .prepare(),
);

/**
 * The single-use step: exactly one caller can flip handoff_used_at, however many race. The
 * same statement records the session the hand-off became and when it must end.
 */
export function claimHandoff(
  db: Queryable,
  id: string,
  values: { now: number; sessionId: string; endsAt: number },
): boolean {
  return claimAndStart(db).run({ id, ...values }).changes === 1;
}

const actor = alias(users, 'actor');

export function listAccessHistory(db: Queryable, targetUserId: number, limit = 200) {
  return db
    .select({ row: impersonations, actor, organizationName: organizations.name })
    .from(impersonations)
    .innerJoin(actor, eq(actor.id, impersonations.actorUserId))
    .leftJoin(organizations, eq(organizations.id, impersonations.organizationId))
    .where(eq(impersonations.targetUserId, targetUserId))
    .orderBy(desc(impersonations.issuedAt))
    .limit(limit)
    .all();
}
