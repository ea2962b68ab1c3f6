/**
 * Builds a query once per database handle and reuses it. Drizzle otherwise re-renders the
 * SQL and better-sqlite3 re-prepares the statement on every call, which dominates the cost
 * of the per-request session lookup. See docs/decisions/009-performance.md.
 */
export function preparedPerHandle<H extends object, T>(build: (handle: H) => T): (handle: H) => T {
  const cache = new WeakMap<H, T>();
  return (handle) => {
    let prepared = cache.get(handle);
    if (prepared === undefined) {
      prepared = build(handle);
      cache.set(handle, prepared);
    }
    return prepared;
  };
}
