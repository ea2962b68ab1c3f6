import type { MigrationCounts } from '../../store/migration-counts.ts';

/** Readiness: what `/api/health/ready` asks of the store (docs/decisions/019-store-ports.md). */
export interface HealthStore {
  /**
   * How many of the migrations bundled with this version the database has not applied (0: it
   * is ready for this code), and how many it has that this version does not know (a newer
   * version migrated it: ready too, and said at start). Rejects when the database does not
   * answer, or has no record of migrations at all.
   */
  ready(): Promise<MigrationCounts>;
}
