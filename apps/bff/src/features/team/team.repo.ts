import type { CustomerPermission, ProfileRole } from '@onbehalf/contracts/permissions';
import { and, asc, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Queryable } from '../../store/sqlite/client.ts';
import { impersonations } from '../../store/sqlite/schema/impersonations.ts';
import { organizations } from '../../store/sqlite/schema/organizations.ts';
import { profiles } from '../../store/sqlite/schema/profiles.ts';
import { users } from '../../store/sqlite/schema/users.ts';
import { usersMatching } from '../../store/sqlite/search.ts';

const memberColumns = {
  profile: profiles,
  user: { id: users.id, name: users.name, email: users.email, status: users.status },
};

export interface MemberPage {
  /** Words to find in names and emails. */
  query?: string | undefined;
  /** The sort key (name, profile id) the previous page ended on. */
  after?: readonly [string, number] | undefined;
  limit: number;
  /** Leave this user out (the caller, on the coworkers list). */
  except?: number;
}

/**
 * A page of an organization's members in name order, through the (organization, sort name,
 * id) index: a page costs its own rows, however large the organization.
 */
export function membersQuery(db: Queryable, organizationId: number, page: MemberPage) {
  const after = page.after;
  return db
    .select(memberColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
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
    .limit(page.limit + 1);
}

export function listMembers(db: Queryable, organizationId: number, page: MemberPage) {
  return membersQuery(db, organizationId, page).all();
}

export type MemberRow = ReturnType<typeof listMembers>[number];

export function findMember(db: Queryable, organizationId: number, profileId: number) {
  return db
    .select(memberColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(and(eq(profiles.organizationId, organizationId), eq(profiles.id, profileId)))
    .get();
}

export function updateMember(
  db: Queryable,
  profileId: number,
  values: { role: ProfileRole; permissions: CustomerPermission[] },
) {
  db.update(profiles).set(values).where(eq(profiles.id, profileId)).run();
}

export function updateOrganizationSettings(
  db: Queryable,
  organizationId: number,
  values: {
    impersonationEnabled: boolean;
    impersonationMaxMinutes: number;
    selfServiceLinksEnabled: boolean;
    integrationsEnabled: boolean;
  },
) {
  db.update(organizations).set(values).where(eq(organizations.id, organizationId)).run();
}

export function runningTeamImpersonations(db: Queryable, organizationId: number) {
  return db
    .select()
    .from(impersonations)
    .where(
      and(
        eq(impersonations.organizationId, organizationId),
        eq(impersonations.door, 'team'),
        isNull(impersonations.endedAt),
      ),
    )
    .all();
}

export function findOrganization(db: Queryable, id: number) {
  return db.select().from(organizations).where(eq(organizations.id, id)).get();
}
