/** What a database's record of applied migrations says about this code, on either store. */
export interface MigrationCounts {
  /** Bundled with this code, not applied: the database is not ready for it. */
  unapplied: number;
  /** Applied, not bundled with this code: a newer version migrated the database. */
  unknown: number;
}

export function countMigrations(
  bundled: readonly string[],
  applied: readonly string[],
): MigrationCounts {
  const ours = new Set(bundled);
  const done = new Set(applied);
  return {
    unapplied: bundled.filter((hash) => !done.has(hash)).length,
    unknown: [...done].filter((hash) => !ours.has(hash)).length,
  };
}
