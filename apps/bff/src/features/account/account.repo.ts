import { and, eq, isNull, ne } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { sessions } from '../../store/sqlite/schema/sessions.ts';
import { users } from '../../store/sqlite/schema/users.ts';

export function setAllowTeamImpersonation(db: Queryable, profileId: number, allow: boolean) {
  db.update(profiles)
    .set({ allowTeamImpersonation: allow })
    .where(eq(profiles.id, profileId))
    .run();
}

export function setPassword(db: Queryable, userId: number, passwordHash: string, now: number) {
  db.update(users).set({ passwordHash, passwordChangedAt: now }).where(eq(users.id, userId)).run();
}

/** Every other live session of the user: a password change signs out the rest. */
export function revokeOtherSessions(db: Queryable, userId: number, keepId: string, now: number) {
  db.update(sessions)
    .set({ revokedAt: now, revokedReason: 'password_changed' })
    .where(and(eq(sessions.userId, userId), ne(sessions.id, keepId), isNull(sessions.revokedAt)))
    .run();
}
