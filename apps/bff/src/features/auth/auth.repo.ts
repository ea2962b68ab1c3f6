import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Queryable } from '../../store/sqlite/client.ts';
import { impersonations } from '../../store/sqlite/schema/impersonations.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { sessions } from '../../store/sqlite/schema/sessions.ts';
import { users } from '../../store/sqlite/schema/users.ts';

export function findUserByEmail(db: Queryable, email: string) {
  return db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).get();
}

const actor = alias(users, 'actor');

/**
 * A page of the user's live sessions, newest first (by id, which is time-ordered), with who
 * holds each one that someone else acts in. `before` is the id the previous page ended on.
 */
export function listLiveSessions(
  db: Queryable,
  userId: number,
  now: number,
  idleSince: number,
  page: { before?: string | undefined; limit: number },
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
      ),
    )
    .orderBy(desc(sessions.id))
    .limit(page.limit + 1)
    .all();
}

export function findSessionById(db: Queryable, id: string) {
  return db.select().from(sessions).where(eq(sessions.id, id)).get();
}
