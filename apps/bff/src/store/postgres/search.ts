import { type Column, or, type Placeholder, type SQL, sql } from 'drizzle-orm';
import { profiles, users } from './schema.ts';

/**
 * Search on PostgreSQL, meaning what it means on SQLite (store/sqlite/search.ts): the same
 * "contains" over columns, and people found by every word typed through the `users_search_idx`
 * full-text index (migration 0005) where SQLite has FTS5.
 */

/**
 * Case-insensitive "contains" over one or more columns. The term's own % and _ match
 * themselves, not anything: a search for "%" finds a percent sign, not every row.
 */
export function containsAny(term: string, ...columns: Column[]): SQL | undefined {
  const pattern = `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return or(...columns.map((column) => sql`lower(${column}) like ${pattern} escape '\\'`));
}

/**
 * A tsquery from what a person typed, as SQLite's FTS5 reads it (`ftsQuery`): every word must
 * appear; a word is its letters and digits, in order and adjacent (`a <-> b`), the last of them
 * as the start of a word (`:*`). Only letters and digits reach the query, so nothing typed is
 * tsquery syntax. A word of punctuation only (`@`, `-`) is dropped, as FTS5's tokenizer drops
 * it: `jane @` finds Jane. Null when no word has anything searchable.
 */
export function tsQuery(text: string): string | null {
  const phrases = text
    .split(/\s+/)
    .map((word) => word.trim())
    .filter(Boolean)
    .slice(0, 12)
    .map((word) =>
      word
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean),
    )
    .filter((tokens) => tokens.length > 0)
    .map((tokens) => `${tokens.join(' <-> ')}:*`);
  return phrases.length === 0 ? null : phrases.join(' & ');
}

/** ASCII punctuation: what separates words for SQLite's FTS5 and not always for PostgreSQL's parser. */
const punctuation = `!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`;
const quoted = (text: string) => sql.raw(`'${text.replaceAll("'", "''")}'`);

/**
 * A text as FTS5 reads it, for an index: ASCII punctuation as spaces, so every run of letters
 * and digits is a word of its own (`order.placed` is `order` and `placed`, `member-1` is
 * `member` and `1`, never the number -1). `translate`, not a regular expression: `[[:alnum:]]`
 * depends on the database's locale. An index must be built on this very expression (migrations
 * 0004, 0005, 0006) for the planner to use it. Words are read by `onbehalf_words`: PostgreSQL's
 * `simple` with accents stripped first (migration 0006), as FTS5's unicode61 strips them.
 */
export function wordsOf(text: SQL): SQL {
  return sql`to_tsvector('onbehalf_words', translate(${text}, ${quoted(punctuation)}, ${quoted(' '.repeat(punctuation.length))}))`;
}

/**
 * A person's words, stored with them (`users.words`, migration 0011: `wordsOf` their name and
 * email, computed by PostgreSQL as the row is written) and indexed by `users_search_idx`. Not
 * in the drizzle schema, so that no read of people carries them.
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
 * The person of the profile at hand holds every word of a tsquery made by `tsQuery`: tested on
 * the words the profile carries (migration 0012), which `profiles_org_name_idx` includes, so a
 * walk of an organization's members in name order tests each without leaving that index.
 */
export function profileWordsMatch(query: string | Placeholder): SQL {
  return sql`${profiles}.${sql.identifier('words')} @@ to_tsquery('onbehalf_words', ${query}::text)`;
}

/**
 * Sort key of people (Admin › Users, login-token subjects): the name, in lower case, then the id. The name is in the "C"
 * collation (migration 0003): byte order, lower() of ASCII letters only, as on SQLite.
 */
export const userSortName = sql<string>`lower(${users.name})`;
