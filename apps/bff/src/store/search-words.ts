/**
 * What a free-text search looks for, on either store (SQLite's FTS5 `ftsQuery`, PostgreSQL's
 * `tsQuery`): the words typed, cut where FTS5's tokenizer cuts them (anything but letters,
 * marks and digits: a vowel sign of Devanagari is part of its word), in lower case. Every one
 * must appear, anywhere in the row, not next to each other: `jane.doe@acme.test` finds Jane Doe
 * at Acme. The last piece of a word typed may be the start of a longer one (`jan` finds Jane;
 * `PrefixPieces` says which words); the pieces before it are whole (`o'neil` is `o` and the
 * start of `neil`).
 *
 * Bounded, whatever was typed (SPEC §8b): each piece once, at most `MAX_SEARCH_WORDS` of them.
 * A search used to be a phrase per word typed; `0.0.0…` made one phrase of a hundred pieces,
 * and a word in every row made the index test every row for each of them: over a second of
 * SQLite, several seconds of PostgreSQL, and PostgreSQL's index cannot tell adjacency, so it
 * read each row back to check it (ADR 034).
 */
export interface SearchWord {
  text: string;
  /** The start of a word, not only the whole word. */
  prefix: boolean;
}

/** Pieces a search looks for at most: more only narrow it, at the cost of a look-up each. */
export const MAX_SEARCH_WORDS = 8;

/**
 * Which pieces may be the start of a longer word: the last of each word typed (people: `jan smi`
 * finds Jane Smith), or only the very last piece typed (the audit trail). A prefix of four
 * letters or more is costly to look up in FTS5: it gathers every match of every word that starts
 * so (about 35 ms at 300,000 events for `password`, whose every event holds it), where a whole
 * word is read a window at a time; eight of them took 140 ms. People's words are few per row and
 * varied; events' are many and the same from one event to the next.
 */
export type PrefixPieces = 'each word' | 'last word';

export function searchWords(typed: string, prefixes: PrefixPieces = 'each word'): SearchWord[] {
  const words = new Map<string, SearchWord>();
  const typedWords = typed
    .normalize('NFC')
    .toLowerCase()
    .split(/\s+/)
    .map((word) => word.split(/[^\p{L}\p{M}\p{N}]+/u).filter(Boolean));
  const lastWord = typedWords.findLastIndex((pieces) => pieces.length > 0);
  typedWords.forEach((pieces, w) => {
    pieces.forEach((text, i) => {
      const prefix = i === pieces.length - 1 && (prefixes === 'each word' || w === lastWord);
      const known = words.get(text);
      // A whole word found once is enough: it is also the start of itself.
      if (known) known.prefix &&= prefix;
      else words.set(text, { text, prefix });
    });
  });
  const all = [...words.values()];
  // The start of a word that another piece begins with says nothing more (`pers` beside
  // `person`), and each one typed is one more look-up.
  const needed = all.filter(
    (word) =>
      !word.prefix || !all.some((other) => other !== word && other.text.startsWith(word.text)),
  );
  return needed.slice(0, MAX_SEARCH_WORDS);
}

/**
 * The `LIKE` pattern (escaped by a backslash) of a text contained anywhere, in lower case, each
 * adapter folding its columns to match: the text's own `%`, `_` and backslash are text.
 */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
