import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { loginTokens, oneClickLinks } from '../../store/sqlite/schema/login-links.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';

/** No one has this many live credentials; the lists stop here all the same. */
const LIMIT = 100;

const profilesOf = (userId: number) =>
  sql`(SELECT ${profiles.id} FROM ${profiles} WHERE ${profiles.userId} = ${userId})`;

function links(db: Queryable) {
  return db
    .select({ link: oneClickLinks, organizationName: organizations.name })
    .from(oneClickLinks)
    .leftJoin(profiles, eq(profiles.id, oneClickLinks.profileId))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId));
}

function tokens(db: Queryable) {
  return db
    .select({ token: loginTokens, organizationName: organizations.name })
    .from(loginTokens)
    .innerJoin(profiles, eq(profiles.id, loginTokens.profileId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId));
}

/** One-click links made for the user that still work. */
export function liveLinksFor(db: Queryable, userId: number, now: number) {
  return links(db)
    .where(
      and(
        eq(oneClickLinks.userId, userId),
        isNull(oneClickLinks.usedAt),
        isNull(oneClickLinks.revokedAt),
        gt(oneClickLinks.expiresAt, now),
      ),
    )
    .orderBy(desc(oneClickLinks.createdAt))
    .limit(LIMIT)
    .all();
}

/** Login tokens made for any of the user's profiles that still work. */
export function liveTokensFor(db: Queryable, userId: number, now: number) {
  return tokens(db)
    .where(
      and(
        sql`${loginTokens.profileId} IN ${profilesOf(userId)}`,
        isNull(loginTokens.deletedAt),
        isNull(loginTokens.usedUpAt),
        gt(loginTokens.expiresAt, now),
      ),
    )
    .orderBy(desc(loginTokens.id))
    .limit(LIMIT)
    .all();
}

/** Every link handed to a system for the user, newest first, whatever became of it. */
export function integrationLinksFor(db: Queryable, userId: number) {
  return links(db)
    .where(and(eq(oneClickLinks.userId, userId), eq(oneClickLinks.purpose, 'integration')))
    .orderBy(desc(oneClickLinks.createdAt))
    .limit(LIMIT)
    .all();
}

/** Every login token handed to a system for one of the user's profiles, newest first. */
export function integrationTokensFor(db: Queryable, userId: number) {
  return tokens(db)
    .where(
      and(
        sql`${loginTokens.profileId} IN ${profilesOf(userId)}`,
        eq(loginTokens.use, 'integration'),
      ),
    )
    .orderBy(desc(loginTokens.id))
    .limit(LIMIT)
    .all();
}

/** Withdraws a live link made for this user; false when there is none. */
export function revokeLinkOf(tx: Queryable, userId: number, id: string, now: number): boolean {
  return (
    tx
      .update(oneClickLinks)
      .set({ revokedAt: now, revokedReason: 'revoked_by_user' })
      .where(
        and(
          eq(oneClickLinks.id, id),
          eq(oneClickLinks.userId, userId),
          isNull(oneClickLinks.usedAt),
          isNull(oneClickLinks.revokedAt),
        ),
      )
      .run().changes === 1
  );
}

/** Withdraws a login token made for one of this user's profiles; its secret hash is wiped. */
export function revokeTokenOf(tx: Queryable, userId: number, id: number, now: number): boolean {
  return (
    tx
      .update(loginTokens)
      .set({ deletedAt: now, secretHash: null, revokedReason: 'revoked_by_user' })
      .where(
        and(
          eq(loginTokens.id, id),
          sql`${loginTokens.profileId} IN ${profilesOf(userId)}`,
          isNull(loginTokens.deletedAt),
        ),
      )
      .run().changes === 1
  );
}
