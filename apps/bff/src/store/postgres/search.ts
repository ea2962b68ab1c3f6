import { type Column, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { likePattern, type PrefixPieces, searchWords } from '../search-words.ts';
import { profiles, users } from './schema.ts';

/*
 * Search on PostgreSQL, meaning what it means on SQLite (store/sqlite/search.ts): the same
 * "contains" over columns, and people and audit events found by every word typed through the
 * full-text indexes (`users_search_idx`, `audit_search_idx`) where SQLite has FTS5.
 *
 * The words a row is found by are stored with it, computed by PostgreSQL as the row is written
 * (`users.words`, migration 0011; `audit_events.words`, migration 0014), as FTS5 reads a text:
 * ASCII punctuation as spaces, so every run of letters and digits is a word of its own
 * (`order.placed` is `order` and `placed`, `member-1` is `member` and `1`, never the number -1),
 * by `translate`, not a regular expression, since `[[:alnum:]]` depends on the database's
 * locale. Words are read by `onbehalf_words`: PostgreSQL's `simple` with accents stripped first
 * (migration 0006), as FTS5's unicode61 strips them.
 */

/**
 * Case-insensitive "contains" over one or more columns. The term's own % and _ match
 * themselves, not anything: a search for "%" finds a percent sign, not every row.
 */
export function containsAny(term: string, ...columns: Column[]): SQL | undefined {
  const pattern = likePattern(term);
  return or(...columns.map((column) => sql`lower(${column}) like ${pattern} escape '\\'`));
}

/**
 * A tsquery from what a person typed, as SQLite's FTS5 query reads it (`searchWords`): every
 * piece required (`&`), the last of each word as a prefix (`:*`). A piece holds letters and
 * digits only, so nothing typed is tsquery syntax; and no phrase (`<->`), which the index cannot
 * answer alone: PostgreSQL read back every row holding the pieces to check their order. Null
 * when nothing searchable was typed.
 */
export function tsQuery(text: string, prefixes?: PrefixPieces): string | null {
  const words = searchWords(text, prefixes);
  if (words.length === 0) return null;
  return words.map((word) => `${word.text}${word.prefix ? ':*' : ''}`).join(' & ');
}

/** The tsquery of placeholder or text `query` (made by `tsQuery`), its words read as stored. */
export function typedWords(query: string | Placeholder): SQL {
  return sql`to_tsquery('onbehalf_words', ${query}::text)`;
}

/**
 * Up to `most` rows of `table` holding every word of tsquery `asked` (`typedWords`, or one made
 * from it), asked of the table's full-text index only (`<table>_matching`, migration 0015): with
 * the words stored, PostgreSQL would otherwise read the table in order until it had `most`,
 * which for words few rows hold is the whole table. Selected from as a table of `id`.
 */
export function matchingIds(table: 'users' | 'audit_events', asked: SQL, most: number): SQL {
  if (!Number.isSafeInteger(most) || most < 1) throw new RangeError(`not a row count: ${most}`);
  return sql`${sql.identifier(`${table}_matching`)}(${asked}, ${sql.raw(String(most))})`;
}

/**
 * A person's words, stored with them (`users.words`: their name and email) and indexed by
 * `users_search_idx`. Not in the drizzle schema, so that no read of people carries them.
 */
const userDocument = sql`${users}.${sql.identifier('words')}`;

/**
 * The person of the row at hand holds every word of a tsquery made by `tsQuery` in their name
 * or email: tested on the row itself (their stored words, about a microsecond), so a walk in
 * name order stops at its page's end, or found through the `users_search_idx` index.
 */
export function userDocumentMatches(query: string | Placeholder): SQL {
  return sql`${userDocument} @@ to_tsquery('onbehalf_words', ${query}::text)`;
}

/**
 * Sort key of people (Admin › Users, login-token subjects): the name, in lower case, then the id. The name is in the "C"
 * collation (migration 0003): byte order, lower() of ASCII letters only, as on SQLite.
 */
export const userSortName = sql<string>`lower(${users.name})`;

/**
 * The test of `userDocumentMatches`, written so that no index can
 * answer them (`ts_match_vq` is the function behind `@@`; an index serves operators only): for
 * the walks in name order when many people match, which test each person and stop at the page's
 * end. Written as the operator, PostgreSQL estimated two words that everyone has as matching
 * almost no one, gathered all 100,000 matches from the full-text index and sorted them for one
 * page: 125-600 ms (ADR 034).
 */
export function userDocumentTested(query: string | Placeholder): SQL {
  return sql`ts_match_vq(${userDocument}, to_tsquery('onbehalf_words', ${query}::text))`;
}

/**
 * The person of the profile at hand holds every word of a tsquery made by `tsQuery`: tested on
 * the words the profile carries (migration 0012), which `profiles_org_name_idx` includes, so a
 * walk of an organization's members in name order tests each without leaving that index; and,
 * as `userDocumentTested`, in a form the full-text index cannot be chosen for.
 */
export function profileWordsTested(query: string | Placeholder): SQL {
  return sql`ts_match_vq(${profiles}.${sql.identifier('words')}, to_tsquery('onbehalf_words', ${query}::text))`;
}
