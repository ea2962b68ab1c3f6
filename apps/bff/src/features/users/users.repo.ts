import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { users } from '../../db/schema/users.ts';
import { containsAny } from '../../lib/search.ts';

const PAGE = 50;

/**
 * Users whose name, email or organization matches; LIKE wildcards in the query are literal.
 * With `organizationIds` (an integration's key), only people of those organizations.
 */
export function searchUsers(
  db: Queryable,
  query: string | undefined,
  organizationIds?: readonly number[],
) {
  const base = db
    .selectDistinct({ user: users })
    .from(users)
    .leftJoin(profiles, eq(profiles.userId, users.id))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId));
  const term = query?.trim();
  const filtered = base.where(
    and(
      term ? containsAny(term, users.name, users.email, organizations.name) : undefined,
      organizationIds ? inArray(profiles.organizationId, [...organizationIds, 0]) : undefined,
    ),
  );
  return filtered
    .orderBy(asc(users.name))
    .limit(PAGE)
    .all()
    .map((r) => r.user);
}

export function profilesOfUsers(db: Queryable, userIds: number[]) {
  if (userIds.length === 0) return [];
  return db
    .select({ profile: profiles, organization: organizations })
    .from(profiles)
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(inArray(profiles.userId, userIds))
    .orderBy(asc(organizations.name))
    .all();
}

/** Organizations whose name matches, by name; at most 50. */
export function searchOrganizations(db: Queryable, query: string | undefined) {
  const term = query?.trim();
  return db
    .select({
      id: organizations.id,
      name: organizations.name,
      kind: organizations.kind,
      integrationsEnabled: organizations.integrationsEnabled,
    })
    .from(organizations)
    .where(term ? containsAny(term, organizations.name) : undefined)
    .orderBy(asc(organizations.name))
    .limit(PAGE)
    .all();
}

export function findUserById(db: Queryable, id: number) {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function setUserStatusAndRole(
  db: Queryable,
  id: number,
  values: Pick<typeof users.$inferInsert, 'status' | 'operatorRole'>,
) {
  db.update(users).set(values).where(eq(users.id, id)).run();
}

export function findProfileWithUser(db: Queryable, profileId: number) {
  return db
    .select({ profile: profiles, user: users })
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(eq(profiles.id, profileId))
    .get();
}

export function setProfileRole(
  db: Queryable,
  profileId: number,
  values: Pick<typeof profiles.$inferInsert, 'role' | 'permissions'>,
) {
  db.update(profiles).set(values).where(eq(profiles.id, profileId)).run();
}
