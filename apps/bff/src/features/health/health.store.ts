/** Readiness: what `/api/health/ready` asks of the store (docs/decisions/019-store-ports.md). */
export interface HealthStore {
  /**
   * How many of the migrations bundled with this version the database has not applied: 0 when
   * it is ready for this code (a database a newer version migrated is ready too). Rejects when
   * the database does not answer, or has no record of migrations at all.
   */
  ready(): Promise<{ unappliedMigrations: number }>;
}
