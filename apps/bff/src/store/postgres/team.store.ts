import { and, asc, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import {
  FEW_MATCHES,
  type MemberPage,
  type MemberRow,
  type RoleAsRead,
  type TeamStore,
} from '../../features/team/team.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { appendAudit } from './audit.ts';
import { type PgQueryable, type PgTx, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import {
  endImpersonationsNoLongerAllowed,
  endWhere,
  shortenImpersonations,
} from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { prepared } from './prepared.ts';
import { impersonations, organizations, profiles, users } from './schema.ts';
import { tsQuery, usersMatching } from './search.ts';

/**
 * The team's members, pages and settings on PostgreSQL, with SQLite's answers, order and
 * cursors (store/sqlite/team.store.ts): a search asks the full-text index how many users match,
 * up to FEW_MATCHES + 1, and reads a page from the matches when they are few, else walks the
 * organization's (organization, sort name, id) index testing each member.
 */

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

function inOrganization(organizationId: number, page: MemberPage): (SQL | undefined)[] {
  const after = page.after;
  return [
    eq(profiles.organizationId, organizationId),
    // The cursor's id is any safe integer, beyond the integer column's range too: compared as
    // bigint, it means what it means on SQLite.
    after
      ? sql`(${profiles.sortName}, ${profiles.id}) > (${after[0]}, ${after[1]}::bigint)`
      : undefined,
    // No user has id 0: nobody is left out.
    ne(profiles.userId, page.except ?? 0),
  ];
}

/**
 * The unsearched pages, which the team page and every team admin's profile chooser ask for:
 * built once per pool and prepared by name (`prepared.ts`), the same query as
 * `inOrganization` builds for a search.
 */
function unsearchedPage(db: PgQueryable, after: SQL | undefined) {
  return db
    .select(memberColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(
      and(
        eq(profiles.organizationId, sql.placeholder('organizationId')),
        after,
        ne(profiles.userId, sql.placeholder('except')),
      ),
    )
    .orderBy(asc(profiles.sortName), asc(profiles.id))
    .limit(sql.placeholder('limit'));
}

const firstPage = prepared((db) =>
  unsearchedPage(db, undefined).prepare('team_members_first_page'),
);
const pageAfter = prepared((db) =>
  unsearchedPage(
    db,
    sql`(${profiles.sortName}, ${profiles.id}) > (${sql.placeholder('afterName')}::text, ${sql.placeholder('afterId')}::bigint)`,
  ).prepare('team_members_page_after'),
);

/** A page of an organization's members in name order (limit + 1 rows), as on SQLite. */
export async function listMembers(
  db: PgQueryable,
  organizationId: number,
  page: MemberPage,
): Promise<MemberRow[]> {
  const text = page.query || undefined;
  // Something typed, nothing searchable in it (only punctuation, say): nobody matches.
  if (text !== undefined && tsQuery(text) === null) return [];
  const order = [asc(profiles.sortName), asc(profiles.id)];
  const limit = page.limit + 1;
  if (text === undefined) {
    const except = page.except ?? 0;
    if (!page.after) return firstPage(db).execute({ organizationId, except, limit });
    const [afterName, afterId] = page.after;
    return pageAfter(db).execute({ organizationId, except, limit, afterName, afterId });
  }
  // The matches' ids, at most FEW_MATCHES + 1: when they are few, the page is read from them
  // without asking the full-text index a second time.
  const matches = await db
    .select({ userId: users.id })
    .from(users)
    .where(usersMatching(users.id, text))
    .limit(FEW_MATCHES + 1);
  if (matches.length <= FEW_MATCHES) {
    if (matches.length === 0) return [];
    const ids = matches.map((match) => match.userId);
    // From the few matches: each one's profile in the organization, then sorted.
    return db
      .select(memberColumns)
      .from(profiles)
      .innerJoin(users, eq(users.id, profiles.userId))
      .where(
        and(
          ...inOrganization(organizationId, page),
          sql`${profiles.userId} = ANY(${sql.param(ids)}::int[])`,
        ),
      )
      .orderBy(...order)
      .limit(limit);
  }
  // Many match: in name order through the organization's index, each member tested.
  return db
    .select(memberColumns)
    .from(profiles)
    .innerJoin(users, eq(users.id, profiles.userId))
    .where(and(...inOrganization(organizationId, page), usersMatching(profiles.userId, text)))
    .orderBy(...order)
    .limit(limit);
}

export function postgresTeam({ db, auditKey }: PostgresContext): TeamStore {
  return {
    async members(organizationId, page) {
      return listMembers(db, organizationId, page);
    },
    async member(organizationId, profileId) {
      if (!isIntegerId(organizationId) || !isIntegerId(profileId)) return undefined;
      const [row] = await db
        .select(memberColumns)
        .from(profiles)
        .innerJoin(users, eq(users.id, profiles.userId))
        .where(and(eq(profiles.organizationId, organizationId), eq(profiles.id, profileId)));
      return row;
    },
    async organization(id) {
      if (!isIntegerId(id)) return undefined;
      const [row] = await db.select().from(organizations).where(eq(organizations.id, id));
      return row;
    },
    async updateMember({ profileId, before, editor, role, permissions, audit, now, meta }) {
      return orLostRace(() =>
        transaction(db, async (tx) => {
          // Both rows locked in id order (two editors changing each other wait, never deadlock),
          // and read as they are now: the editor's row, not only the member's, is what keeps
          // two owners demoting each other at once from both winning.
          if (!(await stillAsRead(tx, [before, editor]))) throw new LostRace();
          await tx.update(profiles).set({ role, permissions }).where(eq(profiles.id, profileId));
          await endImpersonationsNoLongerAllowed(tx, auditKey, profileId, now, meta);
          await appendAudit(tx, auditKey, audit, meta);
          return 'updated' as const;
        }),
      );
    },
    async updateOrganizationSettings(command) {
      const { organizationId, next, endTeamImpersonations, shortenTo, audit, now, meta } = command;
      await transaction(db, async (tx) => {
        await tx.update(organizations).set(next).where(eq(organizations.id, organizationId));
        const inOrganization = eq(impersonations.organizationId, organizationId);
        if (endTeamImpersonations) {
          await endWhere(
            tx,
            auditKey,
            and(inOrganization, eq(impersonations.door, 'team')),
            'setting_disabled',
            now,
            meta,
          );
        }
        if (shortenTo !== null) await shortenImpersonations(tx, inOrganization, shortenTo);
        await appendAudit(tx, auditKey, audit, meta);
      });
    },
  };
}

/**
 * Locks the profiles (`FOR UPDATE`, in id order) and tells whether each still has the role and
 * permissions a decision read: under READ COMMITTED a locked row is read as last committed.
 * Permissions compare in the order stored (jsonb keeps an array's order), which is the order read.
 */
export async function stillAsRead(tx: PgTx, asRead: readonly RoleAsRead[]): Promise<boolean> {
  const rows = await tx
    .select({ id: profiles.id, role: profiles.role, permissions: profiles.permissions })
    .from(profiles)
    .where(
      inArray(
        profiles.id,
        asRead.map((p) => p.profileId),
      ),
    )
    .orderBy(asc(profiles.id))
    .for('update');
  const current = new Map(rows.map((r) => [r.id, r]));
  return asRead.every((p) => {
    const row = current.get(p.profileId);
    return (
      row !== undefined &&
      row.role === p.role &&
      JSON.stringify(row.permissions) === JSON.stringify(p.permissions)
    );
  });
}
