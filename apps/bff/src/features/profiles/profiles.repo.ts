import { asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { users } from '../../db/schema/users.ts';
import { preparedPerHandle } from '../../lib/prepared.ts';

const profileColumns = {
  profile: profiles,
  user: { id: users.id, name: users.name, email: users.email, status: users.status },
  organization: organizations,
};

const profilesOfUser = preparedPerHandle((db: Queryable) =>
  db
    .select(profileColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.userId, sql.placeholder('userId')))
    .orderBy(asc(organizations.name))
    .prepare(),
);

export function listProfilesOfUser(db: Queryable, userId: number) {
  return profilesOfUser(db).all({ userId });
}

export type ProfileListRow = ReturnType<typeof listProfilesOfUser>[number];

export function listProfilesOfOrganization(db: Queryable, organizationId: number) {
  return db
    .select(profileColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(eq(profiles.organizationId, organizationId))
    .orderBy(asc(users.name))
    .all();
}
