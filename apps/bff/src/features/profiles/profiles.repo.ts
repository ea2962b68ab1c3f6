import { and, asc, eq, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { preparedPerHandle } from '../../store/sqlite/prepared.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';
import { usersMatching } from '../../store/sqlite/search.ts';
import type { MemberPage } from '../team/team.repo.ts';

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

/** A page of an organization's profiles in name order (see team.repo's `listMembers`). */
export function listProfilesOfOrganization(
  db: Queryable,
  organizationId: number,
  page: MemberPage,
) {
  const after = page.after;
  return db
    .select(profileColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
    .where(
      and(
        eq(profiles.organizationId, organizationId),
        after
          ? sql`(${profiles.sortName}, ${profiles.id}) > (${after[0]}, ${after[1]})`
          : undefined,
        page.query ? usersMatching(profiles.userId, page.query) : undefined,
        page.except !== undefined ? ne(profiles.userId, page.except) : undefined,
      ),
    )
    .orderBy(asc(profiles.sortName), asc(profiles.id))
    .limit(page.limit + 1)
    .all();
}
