import { z } from 'zod';

export const isoDateTime = z.iso.datetime();
/**
 * An id in a JSON body: a JSON number, never coerced. `true`, `[5]` or `"5"` are other types
 * (400), not ids. Paths and queries, which are text, read theirs with `numericId` below.
 */
export const bodyId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** An id written as text: decimal digits, no leading zero (a regular expression's source). */
export const DECIMAL_ID = '[1-9][0-9]{0,15}';
const decimalIdText = new RegExp(`^${DECIMAL_ID}$`);

/**
 * The id a text spells, or null: decimal digits and nothing else. `0x10`, `1e3`, `07`, ` 7` or
 * `7.0` are no id, never read as some other one. Paths, queries and the portal's own addresses
 * all read ids so.
 */
export function decimalId(text: string): number | null {
  if (!decimalIdText.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/** The number a text spells as an id does (`decimalId`), else the text, for a schema to refuse. */
const asDecimal = (text: unknown) => (typeof text === 'string' ? (decimalId(text) ?? text) : text);

/** An id in a path or a query, which are text: `decimalId`'s, anything else a 400. */
export const numericId = z.preprocess(asDecimal, bodyId);

/**
 * The characters that reorder how text around them is shown (bidi embeddings, overrides and
 * isolates, the direction marks), as a character class's body: a name may not hold them, and
 * mail drops them from what it quotes.
 */
export const DIRECTION_CONTROLS = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069';
const notOneLine = new RegExp(`[\\p{Cc}\\p{Zl}\\p{Zp}${DIRECTION_CONTROLS}]`, 'u');

/**
 * A name people read in mail, on pages and in the audit trail (a person's, an organization's,
 * an integration's): one line. Line breaks, control characters and the characters that reorder
 * what is shown are refused: a name an integration chooses is written into mail that goes out
 * from our own address, and must not add paragraphs to it or disguise itself. Joiners that names
 * and emoji need (ZWJ, ZWNJ, tags, the soft hyphen) pass. A name spelling a scheme (`https://`)
 * or `www.` is refused too; that is a speed bump, not a wall: a bare domain passes, and a mail
 * client may make it a link.
 */
export const displayName = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((name) => !notOneLine.test(name), {
      message: 'A name is one line, without control or direction characters.',
    })
    .refine((name) => !/:\/\/|\bwww\./i.test(name), {
      message: 'A name may not hold a web address.',
    });

/**
 * How many items a page holds, written as text in a query: decimal digits as an id is
 * (`decimalId`), from 1 to `max`. `0x10`, `1e2` or ` 5 ` are refused as they are for ids, never
 * read as some other number.
 */
export function pageLimit(max: number) {
  return z.preprocess(asDecimal, z.number().int().min(1).max(max));
}

/**
 * A list in a request of `min` to `max` items, read only as far as one past `max`. Zod reads
 * every item before it weighs the list's length, and files a refusal for each item it refuses,
 * spelling out every allowed value: 16,000 unknown permissions in a 64 KiB body held the event
 * loop 120 ms and were answered with 3 MB of issues (SPEC §8b; a review). Past `max`, the list
 * is cut to `max + 1` items before they are read: refused for its length all the same, with a
 * few issues. Typed as the list it asks for, which is what a client must send.
 */
export function listOf<T extends z.ZodType>(
  item: T,
  { min, max }: { min?: number; max: number },
): z.ZodType<z.output<T>[], z.input<T>[]> {
  const list = min === undefined ? z.array(item).max(max) : z.array(item).min(min).max(max);
  const cut = (value: unknown) =>
    Array.isArray(value) && value.length > max ? value.slice(0, max + 1) : value;
  // The preprocess takes any input, so zod types its input as unknown: the list's is the truth.
  return z.preprocess(cut, list) as unknown as z.ZodType<z.output<T>[], z.input<T>[]>;
}

/** No list answers more than this many items at once (SPEC §8b). */
export const MAX_PAGE = 100;

/**
 * Keyset pages: `limit` items (at most 100), and the `nextCursor` of the page before to go on.
 * A cursor is opaque: it names where the last page ended, so items added meanwhile never shift
 * a page.
 */
export const pageQuery = z.object({
  limit: pageLimit(MAX_PAGE).default(50),
  cursor: z.string().trim().min(1).max(400).optional(),
});
/** What a client sends for a page (both optional: the first page, 50 items). */
export type PageQuery = { limit?: number; cursor?: string };

/** A page of a list that can grow, searchable by names and emails (`query`). */
export const searchPageQuery = pageQuery.extend({ query: z.string().trim().max(200).optional() });
export type SearchPageQuery = PageQuery & { query?: string };

/**
 * A list whose search had another name before SPEC §8b named it `query` still takes the old
 * one; a request naming two different searches is refused (400) rather than one dropped. The
 * searches ignore case, so two that differ only in case are one.
 */
export const oneSearch = (oldName: string) => ({
  check: (asked: Record<string, unknown>) => {
    const [old, query] = [asked[oldName], asked.query];
    return (
      !(typeof old === 'string' && old && typeof query === 'string' && query) ||
      old.toLowerCase() === query.toLowerCase()
    );
  },
  error: {
    path: [oldName],
    message: `Send the search as \`query\` only (\`${oldName}\` is its old name).`,
  },
});

/** What a request asked, with its search under its one name (`query`). */
export function searchUnderOneName<T extends { query?: string | undefined }, K extends keyof T>(
  asked: T,
  oldName: K,
): Omit<T, K> {
  const rest: Record<PropertyKey, unknown> = { ...asked };
  const old = rest[oldName];
  delete rest[oldName];
  if (typeof old === 'string' && old && !rest.query) rest.query = old;
  // An empty search is none: nothing to search for, nor to record as searched.
  if (!rest.query) delete rest.query;
  return rest as Omit<T, K>;
}

/** Where the next page starts, or null on the last page. */
export const nextCursor = z.string().nullable();
