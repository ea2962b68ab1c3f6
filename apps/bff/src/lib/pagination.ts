import { AppError } from './errors.ts';
import { illFormedPath } from './well-formed.ts';

/**
 * Keyset pages (SPEC §8b). A cursor is the sort key of the last item of a page, opaque to the
 * client (base64url JSON): the next page starts after it, so items added or removed meanwhile
 * never shift a page, and no page costs more than its own rows.
 */
export type Key = readonly (string | number)[];

export function encodeCursor(key: Key): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The key a cursor holds, shaped like `shape`; anything else is a 400 naming `cursor`. */
export function decodeCursor<const S extends readonly ('string' | 'number')[]>(
  cursor: string | undefined,
  shape: S,
): { [I in keyof S]: S[I] extends 'string' ? string : number } | undefined {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = null;
  }
  // A cursor is decoded after the router checked the request's text, so its own text is
  // checked here as the router checks everything else: no database keeps it as sent.
  const fits =
    Array.isArray(key) &&
    key.length === shape.length &&
    key.every((value, i) =>
      shape[i] === 'number' ? Number.isSafeInteger(value) : typeof value === 'string',
    ) &&
    illFormedPath(key) === null;
  if (!fits) throw cursorNotOurs();
  return key as { [I in keyof S]: S[I] extends 'string' ? string : number };
}

/** The 400 for a cursor no page of the list gave out, whatever is wrong with it. */
export function cursorNotOurs(): AppError {
  return new AppError('validation_failed', {
    message: 'This cursor is not one this list gave out.',
    issues: [{ path: 'cursor', message: 'Use the nextCursor of the page before.' }],
  });
}

/**
 * A page from rows read with `limit + 1`: the extra row only says there is more, and the
 * cursor is the key of the last row kept.
 */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => Key) {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}
