import { and, asc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import type { UsersPage, UsersStore } from '../../features/users/users.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import type { UserRow } from '../rows.ts';
import { recordAudit } from './audit.ts';
import type { Queryable } from './client.ts';
import type { SqliteContext } from './context.ts';
import { endCredentialsFor, endCredentialsMadeBy } from './credentials.ts';
import {
  endCredentialImpersonationsBy,
  endImpersonationsByActor,
  endImpersonationsNoLongerAllowed,
  endImpersonationsOfTarget,
} from './impersonations.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';
import { containsAny, inOrganizations, scannedId, userSortName, usersMatching } from './search.ts';
import { revokeSessionsOfUser } from './sessions.ts';
import { roleIsAsRead } from './team.store.ts';

/**
 * The people of organizations whose name holds the text (organizations are few), only among
 * `organizationIds` when given: a caller limited to some organizations learns nothing of the
 * others, not even that one of its people is also in one so named.
 */
const ofOrganizationsNamed = (term: string, organizationIds: readonly number[] | undefined) =>
  sql`${scannedId} IN (SELECT ${profiles.userId} FROM ${profiles} WHERE ${profiles.organizationId} IN
    (SELECT ${organizations.id} FROM ${organizations} WHERE ${and(
      containsAny(term, organizations.name),
      organizationIds ? inArray(organizations.id, [...organizationIds, 0]) : undefined,
    )}))`;

/** A page of Admin › Users, in name order (limit + 1 rows); built apart for the plan tests. */
export function usersPage(db: Queryable, page: UsersPage) {
  const term = page.query?.trim();
  const after = page.after;
  return db
    .select({ user: users, sortName: userSortName })
    .from(users)
    .where(
      and(
        term
          ? or(usersMatching(scannedId, term), ofOrganizationsNamed(term, page.organizationIds))
          : undefined,
        page.organizationIds ? inOrganizations(page.organizationIds) : undefined,
        after ? sql`(${userSortName}, ${users.id}) > (${after[0]}, ${after[1]})` : undefined,
      ),
    )
    .orderBy(userSortName, asc(users.id))
    .limit(page.limit + 1);
}

export function sqliteUsers({ db }: SqliteContext): UsersStore {
  return {
    async search(page) {
      return usersPage(db, page).all();
    },
    async profilesOf(userIds) {
      if (userIds.length === 0) return [];
      return db
        .select({ profile: profiles, organization: organizations })
        .from(profiles)
        .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
        .where(inArray(profiles.userId, [...userIds]))
        .orderBy(asc(organizations.name), asc(profiles.id))
        .all();
    },
    async organizations(query, limit) {
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
        .orderBy(asc(organizations.name), asc(organizations.id))
        .limit(limit)
        .all();
    },
    async userById(id) {
      return db.select().from(users).where(eq(users.id, id)).get();
    },
    async profileWithUser(profileId) {
      return db
        .select({ profile: profiles, user: users })
        .from(profiles)
        .innerJoin(users, eq(users.id, profiles.userId))
        .where(eq(profiles.id, profileId))
        .get();
    },
    async updateUser({ userId, before, after, disabled, endCredentialsMade, audit, now, meta }) {
      return orLostRace(() =>
        db.transaction((tx) => {
          const updated = tx
            .update(users)
            .set(after)
            .where(
              and(
                eq(users.id, userId),
                eq(users.status, before.status),
                roleIs(users.operatorRole, before.operatorRole),
              ),
            )
            .run();
          if (updated.changes !== 1) throw new LostRace();
          if (disabled) {
            revokeSessionsOfUser(tx, userId, 'user_disabled', now);
            endImpersonationsByActor(tx, userId, 'actor_lost_permission', now, meta);
            endImpersonationsOfTarget(tx, userId, 'target_unavailable', now, meta, 'unused too');
            endCredentialsFor(tx, userId, 'user_disabled', now);
          }
          endCredentialsMadeBy(tx, userId, endCredentialsMade, 'maker_lost_right', now);
          endCredentialImpersonationsBy(tx, userId, endCredentialsMade, now, meta);
          // A new operator role: what the re-check no longer allows ends now (ADR 023).
          if (after.operatorRole !== undefined && after.operatorRole !== before.operatorRole) {
            endImpersonationsNoLongerAllowed(tx, { userId }, now, meta);
          }
          recordAudit(tx, audit, meta);
          return 'updated' as const;
        }),
      );
    },
    async setProfileRole(command) {
      const { profileId, beforeRole, beforePermissions, role, permissions, audit, now, meta } =
        command;
      return db.transaction((tx) => {
        const updated = tx
          .update(profiles)
          .set({ role, permissions })
          .where(roleIsAsRead({ profileId, role: beforeRole, permissions: beforePermissions }))
          .run();
        if (updated.changes !== 1) return 'lost_race';
        endImpersonationsNoLongerAllowed(tx, { profileId }, now, meta);
        recordAudit(tx, audit, meta);
        return 'updated';
      });
    },
    async createOperator({ email, name, passwordHash, operatorRole, audit, now, meta }) {
      return db.transaction((tx) => {
        const created = tx
          .insert(users)
          .values({
            email,
            name,
            passwordHash,
            passwordChangedAt: now,
            kind: 'operator',
            operatorRole,
            createdAt: now,
          })
          .onConflictDoNothing()
          .returning({ id: users.id })
          .get();
        if (!created) return 'taken' as const;
        recordAudit(tx, audit(created.id), meta);
        return created.id;
      });
    },
  };
}

/** The operator role is `role`, null matching a user without one. */
function roleIs(column: typeof users.operatorRole, role: UserRow['operatorRole']): SQL {
  return role === null ? isNull(column) : eq(column, role);
}
