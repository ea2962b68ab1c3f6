import { asc, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { preparedPerHandle } from '../../store/sqlite/prepared.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';
import { listMembers } from '../../store/sqlite/team.store.ts';
import type { MemberPage } from '../team/team.store.ts';

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

/**
 * A page of an organization's members in name order, as the team page reads it (its columns,
 * order, cursor and search): the organization is the caller's, known without a join.
 */
export function listProfilesOfOrganization(
  db: Queryable,
  organizationId: number,
  page: MemberPage,
) {
  return listMembers(db, organizationId, page);
}
