import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { sessions } from '../../db/schema/sessions.ts';
import { users } from '../../db/schema/users.ts';

export function findUserByEmail(db: Queryable, email: string) {
  return db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).get();
}

export function listLiveSessions(db: Queryable, userId: number, now: number, idleSince: number) {
  return db
    .select({ session: sessions, organizationName: organizations.name })
    .from(sessions)
    .leftJoin(profiles, eq(profiles.id, sessions.profileId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(
      and(
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, now),
        gt(sessions.lastSeenAt, idleSince),
      ),
    )
    .orderBy(desc(sessions.lastSeenAt))
    .all();
}

export function findSessionById(db: Queryable, id: string) {
  return db.select().from(sessions).where(eq(sessions.id, id)).get();
}
