import { and, asc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { UsersStore } from '../../features/users/users.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import type { UserRow } from '../rows.ts';
import { appendAudit } from './audit.ts';
import { transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import { endCredentialsFor, endCredentialsMadeBy } from './credentials.ts';
import {
  endCredentialImpersonationsBy,
  endImpersonationsByActor,
  endImpersonationsNoLongerAllowed,
  endImpersonationsOfTarget,
} from './impersonations.ts';
import { idWithinRange, isIntegerId } from './integer-id.ts';
import { narrowPeople } from './people.ts';
import { organizations, profiles, users } from './schema.ts';
import { containsAny, userSortName } from './search.ts';
import { revokeSessionsOfUser } from './sessions.ts';
import { stillAsRead } from './team.store.ts';

export function postgresUsers({ db, auditKey }: PostgresContext): UsersStore {
  return {
    async search(page) {
      const narrowed = await narrowPeople(db, {
        text: page.query,
        byOrganizationName: true,
        organizationIds: page.organizationIds,
      });
      if (narrowed === null) return [];
      const after = page.after;
      // In name order through the lower(name), id index. The cursor's text compares in the
      // column's collation, so a page cuts where it does on SQLite.
      return db
        .select({ user: users, sortName: userSortName })
        .from(users)
        .where(
          and(
            ...narrowed,
            after
              ? sql`(${userSortName}, ${users.id}) > (${after[0]} COLLATE "C", ${idWithinRange(after[1])})`
              : undefined,
          ),
        )
        .orderBy(userSortName, asc(users.id))
        .limit(page.limit + 1);
    },
    async profilesOf(userIds) {
      const ids = userIds.filter(isIntegerId);
      if (ids.length === 0) return [];
      return db
        .select({ profile: profiles, organization: organizations })
        .from(profiles)
        .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
        .where(inArray(profiles.userId, ids))
        .orderBy(asc(organizations.name), asc(profiles.id));
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
        .limit(limit);
    },
    async userById(id) {
      if (!isIntegerId(id)) return undefined;
      const [user] = await db.select().from(users).where(eq(users.id, id));
      return user;
    },
    async profileWithUser(profileId) {
      if (!isIntegerId(profileId)) return undefined;
      const [found] = await db
        .select({ profile: profiles, user: users })
        .from(profiles)
        .innerJoin(users, eq(users.id, profiles.userId))
        .where(eq(profiles.id, profileId));
      return found;
    },
    async updateUser({ userId, before, after, disabled, endCredentialsMade, audit, now, meta }) {
      return orLostRace(() =>
        transaction(db, async (tx) => {
          const updated = await tx
            .update(users)
            .set(after)
            .where(
              and(
                eq(users.id, userId),
                eq(users.status, before.status),
                roleIs(users.operatorRole, before.operatorRole),
              ),
            )
            .returning({ id: users.id });
          if (updated.length !== 1) throw new LostRace();
          if (disabled) {
            // In a password change's order: the credentials made for the person first, as a
            // redemption takes its credential before the person's sessions; taken after them,
            // a redemption of one of them could wait for this, and this for it (found by a
            // review). Then the sessions' rows before the impersonations they started (ADR 037).
            await endCredentialsFor(tx, userId, 'user_disabled', now);
            await endImpersonationsOfTarget(
              tx,
              auditKey,
              userId,
              'target_unavailable',
              now,
              meta,
              'unused too',
            );
            await revokeSessionsOfUser(tx, userId, 'user_disabled', now);
            await endImpersonationsByActor(
              tx,
              auditKey,
              userId,
              'actor_lost_permission',
              now,
              meta,
            );
          }
          await endCredentialsMadeBy(tx, userId, endCredentialsMade, 'maker_lost_right', now);
          await endCredentialImpersonationsBy(tx, auditKey, userId, endCredentialsMade, now, meta);
          // A new operator role: what the re-check no longer allows ends now (ADR 023).
          if (after.operatorRole !== undefined && after.operatorRole !== before.operatorRole) {
            await endImpersonationsNoLongerAllowed(tx, auditKey, { userId }, now, meta);
          }
          await appendAudit(tx, auditKey, audit, meta);
          return 'updated' as const;
        }),
      );
    },
    async setProfileRole(command) {
      const { profileId, beforeRole, beforePermissions, role, permissions, audit, now, meta } =
        command;
      return transaction(db, async (tx) => {
        const asRead = { profileId, role: beforeRole, permissions: beforePermissions };
        if (!(await stillAsRead(tx, [asRead]))) return 'lost_race' as const;
        await tx.update(profiles).set({ role, permissions }).where(eq(profiles.id, profileId));
        await endImpersonationsNoLongerAllowed(tx, auditKey, { profileId }, now, meta);
        await appendAudit(tx, auditKey, audit, meta);
        return 'updated' as const;
      });
    },
    async createOperator({ email, name, passwordHash, operatorRole, audit, now, meta }) {
      return transaction(db, async (tx) => {
        const [created] = await tx
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
          .returning({ id: users.id });
        if (!created) return 'taken' as const;
        await appendAudit(tx, auditKey, audit(created.id), meta);
        return created.id;
      });
    },
  };
}

/** The operator role is `role`, null matching a user without one. */
function roleIs(column: typeof users.operatorRole, role: UserRow['operatorRole']): SQL {
  return role === null ? isNull(column) : eq(column, role);
}
