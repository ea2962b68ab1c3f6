import { z } from 'zod';

export const isoDateTime = z.iso.datetime();
/**
 * An id in a JSON body: a JSON number, never coerced. `true`, `[5]` or `"5"` are other types
 * (400), not ids; coercion is for paths and queries, which are text.
 */
export const bodyId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/**
 * An id in a path or a query, which are text: decimal digits and nothing else. `0x10`, `1e3`,
 * `07`, ` 7` or `7.0` are 400s, never read as some other id.
 */
export const numericId = z.preprocess(
  (text) => (typeof text === 'string' && /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : text),
  bodyId,
);

/**
 * A name people read in mail, on pages and in the audit trail (a person's, an organization's,
 * an integration's): one line of visible text. Line breaks, control and format characters (bidi
 * overrides, zero-width) and web addresses are refused: a name an integration chooses is written
 * into mail that goes out from our own address, and must not add paragraphs or links to it.
 */
export const displayName = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((name) => !/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name), {
      message: 'A name is one line of visible characters.',
    })
    .refine((name) => !/:\/\/|\bwww\./i.test(name), {
      message: 'A name may not hold a web address.',
    });

/** No list answers more than this many items at once (SPEC §8b). */
export const MAX_PAGE = 100;

/**
 * Keyset pages: `limit` items (at most 100), and the `nextCursor` of the page before to go on.
 * A cursor is opaque: it names where the last page ended, so items added meanwhile never shift
 * a page.
 */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
  cursor: z.string().trim().min(1).max(400).optional(),
});
/** What a client sends for a page (both optional: the first page, 50 items). */
export type PageQuery = { limit?: number; cursor?: string };

/** A page of a list that can grow, searchable by names and emails (`query`). */
export const searchPageQuery = pageQuery.extend({ query: z.string().trim().max(200).optional() });
export type SearchPageQuery = PageQuery & { query?: string };

/** Where the next page starts, or null on the last page. */
export const nextCursor = z.string().nullable();
