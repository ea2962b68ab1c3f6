import { and, asc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';
import { containsAny, usersMatching } from '../../store/sqlite/search.ts';

/** The people with a profile in one of these organizations. */
const inOrganizations = (organizationIds: readonly number[]) =>
  sql`${users.id} IN (SELECT ${profiles.userId} FROM ${profiles} WHERE ${inArray(profiles.organizationId, [...organizationIds, 0])})`;

/** The people of organizations whose name holds the text (organizations are few). */
const ofOrganizationsNamed = (term: string) =>
  sql`${users.id} IN (SELECT ${profiles.userId} FROM ${profiles} WHERE ${profiles.organizationId} IN
    (SELECT ${organizations.id} FROM ${organizations} WHERE ${containsAny(term, organizations.name)}))`;

/** Sort key of Admin › Users: the name, in lower case, then the id. */
export const userSortName = sql<string>`lower(${users.name})`;

/**
 * A page of users in name order (through the lower(name), id index), found by any word of
 * their name or email (the full-text index) or by their organization's name. With
 * `organizationIds` (an integration's key), only people of those organizations.
 */
export function searchUsers(
  db: Queryable,
  page: {
    query?: string | undefined;
    after?: readonly [string, number] | undefined;
    limit: number;
    organizationIds?: readonly number[] | undefined;
  },
) {
  const term = page.query?.trim();
  const after = page.after;
  return db
    .select({ user: users, sortName: userSortName })
    .from(users)
    .where(
      and(
        term ? or(usersMatching(users.id, term), ofOrganizationsNamed(term)) : undefined,
        page.organizationIds ? inOrganizations(page.organizationIds) : undefined,
        after ? sql`(${userSortName}, ${users.id}) > (${after[0]}, ${after[1]})` : undefined,
      ),
    )
    .orderBy(userSortName, asc(users.id))
    .limit(page.limit + 1)
    .all();
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
    .limit(50)
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
