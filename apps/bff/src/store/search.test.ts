import { asc } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as pgSchema from './postgres/schema.ts';
import { tsQuery, userDocumentMatches } from './postgres/search.ts';
import { MAX_SEARCH_WORDS, searchWords } from './search-words.ts';
import { users } from './sqlite/schema/users.ts';
import { ftsQuery, usersMatching as sqliteUsersMatching } from './sqlite/search.ts';
import { insertRow } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

/** The names of the people a search finds, through each store's own full-text index. */
async function search(ts: TestStore, text: string): Promise<string[]> {
  if (ts.dialect === 'sqlite') {
    return ts.db
      .select({ name: users.name })
      .from(users)
      .where(sqliteUsersMatching(users.id, text))
      .orderBy(asc(users.name))
      .all()
      .map((row) => row.name);
  }
  const query = tsQuery(text);
  if (query === null) return [];
  const rows = await ts.db
    .select({ name: pgSchema.users.name })
    .from(pgSchema.users)
    .where(userDocumentMatches(query))
    .orderBy(asc(pgSchema.users.name));
  return rows.map((row) => row.name);
}

describe('what a search looks for', () => {
  it('keeps letters and digits only, every piece required on its own, the last of each word a prefix', () => {
    expect(tsQuery('Jane  Do')).toBe('jane:* & do:*');
    expect(tsQuery("o'brien")).toBe('o & brien:*');
    expect(tsQuery('jane @ -')).toBe('jane:*');
    expect(tsQuery('@ !!')).toBeNull();
    expect(tsQuery('   ')).toBeNull();
    expect(ftsQuery("Jane o'brien")).toBe('"jane"* "o" "brien"*');
    expect(ftsQuery('" OR * NEAR(')).toBe('"or"* "near"*');
  });

  it('looks for each piece once, and for at most eight, however much was typed', () => {
    const hundredZeros = Array.from({ length: 100 }, () => '0').join('.');
    expect(searchWords(hundredZeros)).toEqual([{ text: '0', prefix: false }]);
    expect(tsQuery(hundredZeros)).toBe('0');
    // A whole word is also the start of itself: once is enough.
    expect(searchWords('sys sys.sys')).toEqual([{ text: 'sys', prefix: false }]);
    expect(searchWords('test test')).toEqual([{ text: 'test', prefix: true }]);
    const many = searchWords('a b c d e f g h i j k l');
    expect(many.map((word) => word.text)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(many).toHaveLength(MAX_SEARCH_WORDS);
    // The start of a word another piece begins with adds nothing: it is left out, before the
    // eight are counted.
    expect(searchWords('pers perso person memb')).toEqual([
      { text: 'person', prefix: true },
      { text: 'memb', prefix: true },
    ]);
    expect(searchWords('jan jane.doe')).toEqual([
      { text: 'jane', prefix: false },
      { text: 'doe', prefix: true },
    ]);
    const spread = searchWords('a ab abc abcd abcde abcdef abcdefg abcdefgh abcdefghi b c');
    expect(spread.map((word) => word.text)).toEqual(['abcdefghi', 'b', 'c']);
    // The audit trail's reading: only the very last piece typed may be unfinished.
    expect(ftsQuery("jan o'brien smi", 'last word')).toBe('"jan" "o" "brien" "smi"*');
    expect(tsQuery('order.placed  ', 'last word')).toBe('order & placed:*');
    expect(tsQuery('order placed order', 'last word')).toBe('order & placed');
    // Composed and decomposed accents are the same letter.
    expect(searchWords('Zoe\u0308')).toEqual([{ text: 'zoë', prefix: true }]);
  });
});

describe.each(dialects)('people search on %s', (dialect) => {
  it('finds by every word typed, ignoring words of punctuation only', async () => {
    const ts = await freshStore(dialect);
    for (const [name, email] of [
      ['Jane Doe', 'jane@acme.test'],
      ['John Smith', 'john.smith@acme.test'],
      ['Janet Roe', 'roe@globex.test'],
    ] as const) {
      await insertRow(ts, 'users', { name, email, kind: 'customer', createdAt: 0 });
    }
    expect(await search(ts, 'jane')).toEqual(['Jane Doe', 'Janet Roe']);
    expect(await search(ts, 'jane doe')).toEqual(['Jane Doe']);
    expect(await search(ts, 'jane @')).toEqual(['Jane Doe', 'Janet Roe']);
    expect(await search(ts, 'smith acme')).toEqual(['John Smith']);
    expect(await search(ts, 'nobody')).toEqual([]);
  });

  it('finds a whole address with hyphens and digits, never reading -1 as a number', async () => {
    const ts = await freshStore(dialect);
    for (const [name, email] of [
      ['Member One', 'member-1-t26pzys1tz@example.test'],
      ['Member Two', 'member-2-x@example.test'],
      ["Ann O'Neil", 'ann_oneil+billing@example.test'],
    ] as const) {
      await insertRow(ts, 'users', { name, email, kind: 'customer', createdAt: 0 });
    }
    expect(await search(ts, 'member-1-t26pzys1tz@example.test')).toEqual(['Member One']);
    expect(await search(ts, 'member-1')).toEqual(['Member One']);
    expect(await search(ts, 't26pzys1tz')).toEqual(['Member One']);
    expect(await search(ts, 'ann_oneil+billing@example.test')).toEqual(["Ann O'Neil"]);
    expect(await search(ts, 'billing')).toEqual(["Ann O'Neil"]);
    expect(await search(ts, "o'neil")).toEqual(["Ann O'Neil"]);
  });

  it('finds names in scripts whose letters carry marks (Devanagari vowel signs)', async () => {
    const ts = await freshStore(dialect);
    for (const [name, email] of [
      ['अनिल कुमार', 'anil@acme.test'],
      ['सुनीता शर्मा', 'sunita@acme.test'],
    ] as const) {
      await insertRow(ts, 'users', { name, email, kind: 'customer', createdAt: 0 });
    }
    expect(await search(ts, 'अनिल')).toEqual(['अनिल कुमार']);
    expect(await search(ts, 'शर्मा सुनी')).toEqual(['सुनीता शर्मा']);
  });

  it('ignores accents both ways, in the name and in what is typed, as FTS5 does', async () => {
    const ts = await freshStore(dialect);
    for (const [name, email] of [
      ['Émile Zoë', 'emile@acme.test'],
      ['Chloé Müller', 'chloe@acme.test'],
      ['Emile Blanc', 'blanc@acme.test'],
    ] as const) {
      await insertRow(ts, 'users', { name, email, kind: 'customer', createdAt: 0 });
    }
    expect(await search(ts, 'emile')).toEqual(['Emile Blanc', 'Émile Zoë']);
    expect(await search(ts, 'Émile')).toEqual(['Emile Blanc', 'Émile Zoë']);
    expect(await search(ts, 'zoe')).toEqual(['Émile Zoë']);
    expect(await search(ts, 'muller chlo')).toEqual(['Chloé Müller']);
    expect(await search(ts, 'CHLOÉ')).toEqual(['Chloé Müller']);
  });
});
