import { searchPageQuery } from '@onbehalf/contracts/common';

/** The longest search the server reads (the contract's own limit). */
export const SEARCH_MAX = searchPageQuery.shape.query.unwrap().maxLength ?? 200;

/** Typing searches once it pauses this long: one request per word, not per key. */
export const SEARCH_DEBOUNCE_MS = 300;

/** A search as the server reads it: trimmed, and no longer than it accepts. */
export function normalizeSearch(text: string): string {
  return text.trim().slice(0, SEARCH_MAX).trim();
}

/** The search in the address (`?q=…`), or empty for the whole list. */
export function readSearch(params: URLSearchParams, name = 'q'): string {
  return normalizeSearch(params.get(name) ?? '');
}

/** The address's parameters with this search in them (none when empty); the others kept. */
export function withSearch(params: URLSearchParams, name: string, search: string): URLSearchParams {
  const next = new URLSearchParams(params);
  const value = normalizeSearch(search);
  if (value) next.set(name, value);
  else next.delete(name);
  return next;
}

/**
 * Whether a new search replaces the current history entry rather than adding one. Typing
 * "Member 042" searches several times on the way; Back should leave the search (or return to
 * the whole list), not step through every pause in the typing.
 */
export function searchReplacesEntry(current: string, next: string): boolean {
  return current !== '' && next !== '';
}
