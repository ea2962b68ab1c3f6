import { asc, eq, inArray } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { organizations } from '../../db/schema/organizations.ts';
import { profiles } from '../../db/schema/profiles.ts';
import { users } from '../../db/schema/users.ts';
import { containsAny } from '../../lib/search.ts';

const PAGE = 50;

/** Users whose name, email or organization matches; LIKE wildcards in the query are literal. */
export function searchUsers(db: Queryable, query: string | undefined) {
  const base = db
    .selectDistinct({ user: users })
    .from(users)
    .leftJoin(profiles, eq(profiles.userId, users.id))
    .leftJoin(organizations, eq(organizations.id, profiles.organizationId));
  const term = query?.trim();
  const filtered = term
    ? base.where(containsAny(term, users.name, users.email, organizations.name))
    : base;
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
