import { asc, eq, sql } from 'drizzle-orm';
import { prepared } from './prepared.ts';
import { organizations, profiles, users } from './schema.ts';

/**
 * Lookups several features make on their hot paths, each built once per handle and prepared by
 * name (prepared.ts). One module, so no two statements share a name with different text.
 */

export const userById = prepared((db) =>
  db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('user_by_id'),
);

/** A user's profiles with their organizations, oldest profile first. */
export const profilesWithOrganization = prepared((db) =>
  db
    .select({ profile: profiles, organization: organizations })
    .from(profiles)
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, sql.placeholder('userId')))
    .orderBy(asc(profiles.id))
    .prepare('profiles_with_organization'),
);
