import { and, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { oneClickLinks } from '../../db/schema/login-links.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { users } from '../../db/schema/users.ts';

export function findUser(db: Queryable, userId: number) {
  return db.select().from(users).where(eq(users.id, userId)).get();
}

export function insertLink(db: Queryable, values: typeof oneClickLinks.$inferInsert) {
  db.insert(oneClickLinks).values(values).run();
}

export function findLinkWithUser(db: Queryable, secretHash: string) {
  return db
    .select({ link: oneClickLinks, user: users })
    .from(oneClickLinks)
    .innerJoin(users, eq(users.id, oneClickLinks.userId))
    .where(eq(oneClickLinks.secretHash, secretHash))
    .get();
}

export function firstOrganizationName(db: Queryable, userId: number): string | null {
  return (
    db
      .select({ name: organizations.name })
      .from(profiles)
      .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
      .where(eq(profiles.userId, userId))
      .get()?.name ?? null
  );
}

/** Single use: only one redemption can set used_at. */
export function claimLink(db: Queryable, id: string, now: number): boolean {
  return (
    db
      .update(oneClickLinks)
      .set({ usedAt: now })
      .where(
        and(
          eq(oneClickLinks.id, id),
          isNull(oneClickLinks.usedAt),
          isNull(oneClickLinks.revokedAt),
        ),
      )
      .run().changes === 1
  );
}
