import type { CustomerPermission, ProfileRole } from '@onbehalf/contracts/permissions';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { preparedPerHandle } from '../../store/sqlite/prepared.ts';
import { oneClickLinks } from '../../store/sqlite/schema/login-links.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';

export function findUser(db: Queryable, userId: number) {
  return db.select().from(users).where(eq(users.id, userId)).get();
}

export function insertLink(db: Queryable, values: typeof oneClickLinks.$inferInsert) {
  db.insert(oneClickLinks).values(values).run();
}

const linkWithUser = preparedPerHandle((db: Queryable) =>
  db
    .select({ link: oneClickLinks, user: users })
    .from(oneClickLinks)
    .innerJoin(users, eq(users.id, oneClickLinks.userId))
    .where(eq(oneClickLinks.secretHash, sql.placeholder('secretHash')))
    .prepare(),
);

export function findLinkWithUser(db: Queryable, secretHash: string) {
  return linkWithUser(db).get({ secretHash });
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
const claim = preparedPerHandle((db: Queryable) =>
  db
    .update(oneClickLinks)
    .set({ usedAt: sql.placeholder('now') as never })
    .where(
      and(
        eq(oneClickLinks.id, sql.placeholder('id')),
        isNull(oneClickLinks.usedAt),
        isNull(oneClickLinks.revokedAt),
      ),
    )
    .prepare(),
);

export function claimLink(db: Queryable, id: string, now: number): boolean {
  return claim(db).run({ id, now }).changes === 1;
}
export function findUserByEmail(db: Queryable, email: string) {
  return db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`).get();
}

export function findOrganization(db: Queryable, id: number) {
  return db.select().from(organizations).where(eq(organizations.id, id)).get();
}

export function organizationsOfUser(db: Queryable, userId: number) {
  return db
    .select({
      id: organizations.id,
      selfServiceLinksEnabled: organizations.selfServiceLinksEnabled,
    })
    .from(profiles)
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, userId))
    .all();
}

export function profileInOrganization(db: Queryable, userId: number, organizationId: number) {
  return db
    .select()
    .from(profiles)
    .where(and(eq(profiles.userId, userId), eq(profiles.organizationId, organizationId)))
    .get();
}

export function insertProvisionedUser(
  db: Queryable,
  values: {
    email: string;
    name: string;
    organizationId: number;
    role: ProfileRole;
    permissions: CustomerPermission[];
    now: number;
  },
) {
  const user = db
    .insert(users)
    .values({ email: values.email, name: values.name, kind: 'customer', createdAt: values.now })
    .returning()
    .get();
  const profileId = db
    .insert(profiles)
    .values({
      userId: user.id,
      organizationId: values.organizationId,
      role: values.role,
      permissions: values.permissions,
      createdAt: values.now,
    })
    .returning({ id: profiles.id })
    .get().id;
  return { user, profileId };
}
