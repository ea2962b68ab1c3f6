import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import {
  FEW_MATCHES,
  type MemberPage,
  type MemberRow,
  type RoleAsRead,
  type TeamStore,
} from '../../features/team/team.store.ts';
import { LostRace, orLostRace } from '../lost-race.ts';
import { settingsAsRead } from '../settings-rows.ts';
import { appendAudit } from './audit.ts';
import { type PgQueryable, type PgTx, transaction } from './client.ts';
import type { PostgresContext } from './context.ts';
import {
  endImpersonationsNoLongerAllowed,
  endWhere,
  shortenImpersonations,
} from './impersonations.ts';
import { isIntegerId } from './integer-id.ts';
import { literalLimit, prepared, preparedPages } from './prepared.ts';
import { impersonations, organizations, profiles, users } from './schema.ts';
import { matchingIds, profileWordsTested, tsQuery, typedWords } from './search.ts';

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

/** Members as pages and the edit form show them: each profile with its user. */
function members(db: PgQueryable) {
  return db.select(memberColumns).from(profiles).innerJoin(users, eq(users.id, profiles.userId));
}

/** What narrows a page of members besides the organization and the cursor. */
type Narrowing = 'none' | 'matches' | 'words';

/**
 * A page of an organization's members in name order, built once per pool, narrowing and page
 * size and prepared by name (`prepared.ts`): building the query with drizzle on each request
 * cost the team page and every team admin's profile chooser a quarter of their CPU. At most
 * `rows` rows, written into the statement so that PostgreSQL plans it once (`literalLimit`).
 * Placeholders: `organizationId`, `except`, the cursor's `afterName` and `afterId` when
 * `after`, the matches' `ids` or the tsquery `words` as the narrowing says.
 */
function memberPage(db: PgQueryable, after: boolean, narrowing: Narrowing, rows: number) {
  return members(db)
    .where(
      and(
        eq(profiles.organizationId, sql.placeholder('organizationId')),
        // The cursor's id is any safe integer, beyond the integer column's range too: compared
        // as bigint, it means what it means on SQLite.
        after
          ? sql`(${profiles.sortName}, ${profiles.id}) > (${sql.placeholder('afterName')}::text, ${sql.placeholder('afterId')}::bigint)`
          : undefined,
        // No user has id 0: nobody is left out.
        ne(profiles.userId, sql.placeholder('except')),
        narrowing === 'matches'
          ? sql`${profiles.userId} = ANY(${sql.placeholder('ids')}::int[])`
          : narrowing === 'words'
            ? profileWordsTested(sql.placeholder('words'))
            : undefined,
      ),
    )
    .orderBy(asc(profiles.sortName), asc(profiles.id))
    .limit(literalLimit(rows));
}

/** Per narrowing, the first page and the pages after a cursor, each prepared per page size. */
const memberPages = {
  none: [
    preparedPages((db, rows) =>
      memberPage(db, false, 'none', rows).prepare(`team_members_first_page_${rows}`),
    ),
    preparedPages((db, rows) =>
      memberPage(db, true, 'none', rows).prepare(`team_members_page_after_${rows}`),
    ),
  ],
  matches: [
    preparedPages((db, rows) =>
      memberPage(db, false, 'matches', rows).prepare(`team_matches_first_page_${rows}`),
    ),
    preparedPages((db, rows) =>
      memberPage(db, true, 'matches', rows).prepare(`team_matches_page_after_${rows}`),
    ),
  ],
  words: [
    preparedPages((db, rows) =>
      memberPage(db, false, 'words', rows).prepare(`team_words_first_page_${rows}`),
    ),
    preparedPages((db, rows) =>
      memberPage(db, true, 'words', rows).prepare(`team_words_page_after_${rows}`),
    ),
  ],
} as const;

/** The ids of the users the words find, at most FEW_MATCHES + 1. */
const matchingUsers = prepared((db) =>
  db
    .select({ userId: sql<number>`id` })
    .from(
      sql`${matchingIds('users', typedWords(sql.placeholder('words')), FEW_MATCHES + 1)} AS matching`,
    )
    .prepare('team_search_matches'),
);

/** One member of an organization, as a member page shows it (the edit form reads it). */
const oneMember = prepared((db) =>
  members(db)
    .where(
      and(
        eq(profiles.organizationId, sql.placeholder('organizationId')),
        eq(profiles.id, sql.placeholder('profileId')),
      ),
    )
    .prepare('team_member'),
);

/** A page of an organization's members in name order (limit + 1 rows), as on SQLite. */
export async function listMembers(
  db: PgQueryable,
  organizationId: number,
  page: MemberPage,
): Promise<MemberRow[]> {
  const rows = page.limit + 1;
  const read = async (
    narrowing: Narrowing,
    narrowedBy: { ids?: number[]; words?: string } = {},
  ): Promise<MemberRow[]> => {
    const [first, after] = memberPages[narrowing];
    const values = { organizationId, except: page.except ?? 0, ...narrowedBy };
    const [afterName, afterId] = page.after ?? [];
    const readPage = page.after ? after(db, rows) : first(db, rows);
    if (!readPage) throw new RangeError(`a page of ${page.limit} members is larger than any`);
    return readPage({ ...values, afterName, afterId });
  };
  if (!page.query) return read('none');
  const words = tsQuery(page.query);
  // Something typed, nothing searchable in it (only punctuation, say): nobody matches.
  if (words === null) return [];
  // The matches' ids, at most FEW_MATCHES + 1: when they are few, the page is read from them
  // without asking the full-text index a second time.
  const matches = await matchingUsers(db).execute({ words });
  if (matches.length === 0) return [];
  if (matches.length <= FEW_MATCHES) {
    return read('matches', { ids: matches.map((match) => match.userId) });
  }
  // Many match: in name order through the organization's index, each member tested.
  return read('words', { words });
}

export function postgresTeam({ db, auditKey }: PostgresContext): TeamStore {
  return {
    async members(organizationId, page) {
      return listMembers(db, organizationId, page);
    },
    async member(organizationId, profileId) {
      if (!isIntegerId(organizationId) || !isIntegerId(profileId)) return undefined;
      const [row] = await oneMember(db).execute({ organizationId, profileId });
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
          await endImpersonationsNoLongerAllowed(tx, auditKey, { profileId }, now, meta);
          await appendAudit(tx, auditKey, audit, meta);
          return 'updated' as const;
        }),
      );
    },
    async updateOrganizationSettings(command) {
      const { organizationId, before, next, endTeamImpersonations, shortenTo, audit, now, meta } =
        command;
      return orLostRace(() =>
        transaction(db, async (tx) => {
          // A concurrent change waits for this row's lock, then finds it no longer as read.
          const written = await tx
            .update(organizations)
            .set(next)
            .where(and(eq(organizations.id, organizationId), settingsAsRead(organizations, before)))
            .returning({ id: organizations.id });
          if (written.length === 0) throw new LostRace();
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
          return 'done' as const;
        }),
      );
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
