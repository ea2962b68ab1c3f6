import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../../db/client.ts';
import { impersonations } from '../../db/schema/impersonations.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { users } from '../../db/schema/users.ts';

export function findTeamTarget(db: Queryable, organizationId: number, profileId: number) {
  return db
    .select({ profile: profiles, user: users, organization: organizations })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(and(eq(profiles.id, profileId), eq(profiles.organizationId, organizationId)))
    .get();
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

export function insertImpersonation(db: Queryable, values: typeof impersonations.$inferInsert) {
  db.insert(impersonations).values(values).run();
}

export function findByHandoffHash(db: Queryable, hash: string) {
  return db.select().from(impersonations).where(eq(impersonations.handoffTokenHash, hash)).get();
}

/** The single-use step: exactly one caller can flip handoff_used_at, however many race. */
export function claimHandoff(db: Queryable, id: string, now: number): boolean {
  const result = db
    .update(impersonations)
    .set({ handoffUsedAt: now })
    .where(
      and(
        eq(impersonations.id, id),
        isNull(impersonations.handoffUsedAt),
        gt(impersonations.handoffExpiresAt, now),
      ),
    )
    .run();
  return result.changes === 1;
}

export function markStarted(
  db: Queryable,
  id: string,
  values: { sessionId: string; startedAt: number; endsAt: number },
) {
  db.update(impersonations).set(values).where(eq(impersonations.id, id)).run();
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
