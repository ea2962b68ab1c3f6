import type { CustomerPermission, ProfileRole } from '@onbehalf/contracts/permissions';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { impersonations } from '../../db/schema/impersonations.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { users } from '../../db/schema/users.ts';

const memberColumns = {
  profile: profiles,
  user: { id: users.id, name: users.name, email: users.email, status: users.status },
};

export function listMembers(db: Queryable, organizationId: number) {
  return db
    .select(memberColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(eq(profiles.organizationId, organizationId))
    .orderBy(asc(users.name))
    .all();
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
