import { type Column, inArray, or, type SQL, sql } from 'drizzle-orm';
import { likePattern, type PrefixPieces, searchWords } from '../search-words.ts';
import type { Queryable } from './client.ts';
import { preparedPerHandle } from './prepared.ts';
import { profiles } from './schema/profiles.ts';
import { users } from './schema/users.ts';

/**
 * Case-insensitive "contains" over one or more columns, in any script (`fold_case`, client.ts:
 * SQLite's own lower() folds ASCII only). The term's own % and _ match themselves, not
 * anything: a search for "%" finds a percent sign, not every row.
 */
export function containsAny(term: string, ...columns: Column[]): SQL | undefined {
  const pattern = likePattern(term);
  return or(...columns.map((column) => sql`fold_case(${column}) like ${pattern} escape '\\'`));
}

/**
 * A full-text (SQLite FTS5) query from what a person typed, as `searchWords` reads it: every
 * piece required, each quoted (nothing typed is FTS syntax; a piece holds letters and digits
 * only) and the last of each word as a prefix. Null when nothing searchable was typed.
 */
export function ftsQuery(text: string, prefixes?: PrefixPieces): string | null {
  const words = searchWords(text, prefixes);
  if (words.length === 0) return null;
  return words.map((word) => `"${word.text}"${word.prefix ? '*' : ''}`).join(' ');
}

/** Users whose name or email holds every word typed, through the `users_fts` index. */
export function usersMatching(userId: Column | SQL, text: string): SQL {
  const query = ftsQuery(text);
  if (query === null) return sql`0`;
  return sql`${userId} IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ${query})`;
}

/**
 * How many users an FTS query (`ftsQuery`'s) matches, counted no further than `bound`: enough
 * to tell a narrow search from a broad one at the cost of `bound` index entries at most,
 * however many users match. Parameters: `match`, `bound`.
 */
export const countUsersMatching = preparedPerHandle((db: Queryable) =>
  db
    .select({ matches: sql<number>`count(*)` })
    .from(
      sql`(SELECT 1 FROM users_fts WHERE users_fts MATCH ${sql.placeholder('match')} LIMIT ${sql.placeholder('bound')})`,
    )
    .prepare(),
);

/**
 * The ids of the users an FTS query matches (`userId`), at most `bound` of them, as a
 * subquery to drive a join from. Parameters: `match`, `bound`.
 */
export function usersMatchingIds(db: Queryable) {
  return db
    .select({ userId: sql<number>`rowid`.as('matching_user_id') })
    .from(sql`users_fts`)
    .where(sql`users_fts MATCH ${sql.placeholder('match')}`)
    .limit(sql.placeholder('bound'))
    .as('matches');
}

/** Sort key of people (Admin › Users, login-token subjects): the name, in lower case, then the id. */
export const userSortName = sql<string>`lower(${users.name})`;

/**
 * The user's id as the conditions below test it: with a unary +, which SQLite cannot look rows
 * up by, so a page is read in name order through the lower(name), id index, each row tested
 * against the matches (read once into a list), and it stops at the page's end. Left to itself,
 * SQLite looked every match up and sorted them all for one page: 200-600 ms for a one-letter
 * search at 100,000 people, against 2-16 ms this way, and 8 ms for a search nobody matches.
 */
export const scannedId = sql`+${users.id}`;

/** The people with a profile in one of these organizations. */
export const inOrganizations = (organizationIds: readonly number[]) =>
  sql`${scannedId} IN (SELECT ${profiles.userId} FROM ${profiles} WHERE ${inArray(profiles.organizationId, [...organizationIds, 0])})`;
