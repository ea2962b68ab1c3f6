/**
 * The path of the first text in a value that no database keeps as it was sent, or null: text
 * that is not well-formed Unicode (a lone UTF-16 surrogate, which JSON can carry as "\ud800";
 * SQLite would store U+FFFD instead, and everything that hashes or compares it would disagree
 * with what was kept, SPEC §8b), or text holding a NUL character (PostgreSQL's text cannot hold
 * it at all, and SQLite's full-text queries end at it). Refused alike on either database.
 */
export function illFormedPath(value: unknown, path: string[] = []): string[] | null {
  if (typeof value === 'string') {
    return value.isWellFormed() && !value.includes('\u0000') ? null : path;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = illFormedPath(item, [...path, String(index)]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = illFormedPath(key, path) ?? illFormedPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}
