import { and, asc, eq, is, isNull, ne, Placeholder, sql } from 'drizzle-orm';
import {
  FEW_MATCHES,
  type MemberPage,
  type MemberRow,
  type RoleAsRead,
  type TeamStore,
} from '../../features/team/team.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { settingsAsRead } from '../settings-rows.ts';
import { recordAudit } from './audit.ts';
import type { Queryable } from './client.ts';
import type { SqliteContext } from './context.ts';
import {
  endImpersonation,
  endImpersonationsNoLongerAllowed,
  shortenImpersonations,
} from './impersonations.ts';
import { preparedPerHandle } from './prepared.ts';
import { impersonations } from './schema/impersonations.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';
import { countUsersMatching, ftsQuery, usersMatchingIds } from './search.ts';

/**
 * The team's members, pages and settings on SQLite: each page read by one prepared statement
 * chosen by how many users a search matches, each command one synchronous transaction.
 */

/** What a member page shows of each member, and its sort key: nothing more is read. */
const memberColumns = {
  profile: {
    id: profiles.id,
    role: profiles.role,
    permissions: profiles.permissions,
    allowTeamImpersonation: profiles.allowTeamImpersonation,
    sortName: profiles.sortName,
  },
  user: { id: users.id, name: users.name, email: users.email, status: users.status },
};

/** How a page is read: the whole team, from a search's few matches, or by name for many. */
export type MemberPageWay = 'all' | 'fromMatches' | 'byName';

const inOrganization = (after: boolean) => [
  eq(profiles.organizationId, sql.placeholder('organizationId')),
  after
    ? sql`(${profiles.sortName}, ${profiles.id}) > (${sql.placeholder('afterName')}, ${sql.placeholder('afterId')})`
    : undefined,
  ne(profiles.userId, sql.placeholder('except')),
];

/** In name order through the (organization, sort name, id) index: a page costs its own rows. */
function byNameQuery(db: Queryable, after: boolean, search: boolean) {
  return db
    .select(memberColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(
      and(
        ...inOrganization(after),
        search
          ? // The unary + keeps SQLite from looking each match up instead: many matches are
            // found sooner in name order than read whole and sorted.
            sql`+${profiles.userId} IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ${sql.placeholder('match')})`
          : undefined,
      ),
    )
    .orderBy(asc(profiles.sortName), asc(profiles.id))
    .limit(sql.placeholder('limit'));
}

/**
 * From a search's matches: each matching user's profile in the organization, through the
 * (user, organization) index, then sorted. CROSS JOIN keeps SQLite from turning it around.
 */
function fromMatchesQuery(db: Queryable, after: boolean) {
  const matches = usersMatchingIds(db);
  return db
    .select(memberColumns)
    .from(matches)
    .crossJoin(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(and(eq(profiles.userId, matches.userId), ...inOrganization(after)))
    .orderBy(asc(profiles.sortName), asc(profiles.id))
    .limit(sql.placeholder('limit'));
}

const prepared = {
  all: [false, true].map((after) =>
    preparedPerHandle((db: Queryable) => byNameQuery(db, after, false).prepare()),
  ),
  byName: [false, true].map((after) =>
    preparedPerHandle((db: Queryable) => byNameQuery(db, after, true).prepare()),
  ),
  fromMatches: [false, true].map((after) =>
    preparedPerHandle((db: Queryable) => fromMatchesQuery(db, after).prepare()),
  ),
};

/** How `page` is read: a search asks the FTS index first how many match, up to a bound. */
function wayOf(db: Queryable, match: string | null): MemberPageWay {
  if (match === null) return 'all';
  const counted = countUsersMatching(db).get({ match, bound: FEW_MATCHES + 1 });
  return (counted?.matches ?? 0) <= FEW_MATCHES ? 'fromMatches' : 'byName';
}

function valuesOf(organizationId: number, page: MemberPage, match: string | null) {
  return {
    organizationId,
    afterName: page.after?.[0] ?? '',
    afterId: page.after?.[1] ?? 0,
    // No user has id 0: nobody is left out.
    except: page.except ?? 0,
    match: match ?? '',
    bound: FEW_MATCHES + 1,
    limit: page.limit + 1,
  };
}

/**
 * A page of an organization's members in name order (limit + 1 rows, for `pageOf`), the
 * cursor being the (sort name, profile id) the previous page ended on, whichever way it is read.
 */
export function listMembers(db: Queryable, organizationId: number, page: MemberPage): MemberRow[] {
  const match = page.query ? ftsQuery(page.query) : null;
  // Something typed, nothing searchable in it (only quotes, say): nobody matches.
  if (page.query && match === null) return [];
  const way = wayOf(db, match);
  const statement = prepared[way][page.after ? 1 : 0];
  if (!statement) throw new Error(`no statement for ${way}`);
  return statement(db).all(valuesOf(organizationId, page, match));
}

/** The way `listMembers` would read `page`, and its SQL with the values bound (for plans). */
export function memberPageSql(db: Queryable, organizationId: number, page: MemberPage) {
  const match = page.query ? ftsQuery(page.query) : null;
  const way = wayOf(db, match);
  const query =
    way === 'fromMatches'
      ? fromMatchesQuery(db, page.after !== undefined)
      : byNameQuery(db, page.after !== undefined, way === 'byName');
  const values: Record<string, unknown> = valuesOf(organizationId, page, match);
  const { sql: text, params } = query.toSQL();
  return {
    way,
    sql: text,
    params: params.map((p) => (is(p, Placeholder) ? values[p.name] : p)),
  };
}

function findMember(db: Queryable, organizationId: number, profileId: number) {
  return db
    .select(memberColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(and(eq(profiles.organizationId, organizationId), eq(profiles.id, profileId)))
    .get();
}

export function sqliteTeam({ db }: SqliteContext): TeamStore {
  return {
    async members(organizationId, page) {
      return listMembers(db, organizationId, page);
    },
    async member(organizationId, profileId) {
      return findMember(db, organizationId, profileId);
    },
    async organization(id) {
      return db.select().from(organizations).where(eq(organizations.id, id)).get();
    },
    async updateMember({ profileId, before, editor, role, permissions, audit, now, meta }) {
      return orLostRace(() =>
        db.transaction((tx) => {
          const editorAsRead = tx
            .select({ id: profiles.id })
            .from(profiles)
            .where(roleIsAsRead(editor))
            .get();
          if (!editorAsRead) throw new LostRace();
          const updated = tx
            .update(profiles)
            .set({ role, permissions })
            .where(roleIsAsRead(before))
            .run();
          if (updated.changes !== 1) throw new LostRace();
          endImpersonationsNoLongerAllowed(tx, { profileId }, now, meta);
          recordAudit(tx, audit, meta);
          return 'updated' as const;
        }),
      );
    },
    async updateOrganizationSettings(command) {
      const { organizationId, before, next, endTeamImpersonations, shortenTo, audit, now, meta } =
        command;
      return orLostRace(() =>
        db.transaction((tx) => {
          const written = tx
            .update(organizations)
            .set(next)
            .where(and(eq(organizations.id, organizationId), settingsAsRead(organizations, before)))
            .returning({ id: organizations.id })
            .get();
          if (!written) throw new LostRace();
          if (endTeamImpersonations) {
            const running = tx
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
            for (const row of running) endImpersonation(tx, row, 'setting_disabled', now, meta);
          }
          if (shortenTo !== null) {
            shortenImpersonations(tx, eq(impersonations.organizationId, organizationId), shortenTo);
          }
          recordAudit(tx, audit, meta);
          return 'done' as const;
        }),
      );
    },
  };
}

/**
 * The profile still has the role and permissions a decision read. The permissions compare as
 * JSON values (`json()` minifies both sides), in the order stored, which is the order read.
 */
export function roleIsAsRead(asRead: RoleAsRead) {
  return and(
    eq(profiles.id, asRead.profileId),
    eq(profiles.role, asRead.role),
    sql`json(${profiles.permissions}) = json(${JSON.stringify(asRead.permissions)})`,
  );
}
