/**
 * Counts taken on hot paths, kept as plain numbers: an increment costs nothing measurable, and
 * /metrics reads them at scrape time (lib/metrics.ts). One set per store, so two apps in one
 * process (as in tests) count apart. Free of prom-client, which the CLI need not load.
 */
export interface HotCounters {
  /** Audit events appended (store/sqlite/audit.ts on SQLite, store/postgres/audit.ts on PostgreSQL). */
  auditAppends: number;
}

const byOwner = new WeakMap<object, HotCounters>();

/**
 * The counters kept under one object standing for a store: on PostgreSQL, the chain key the
 * store appends with (the one thing each of its appends is handed); on SQLite, the connection
 * (store/sqlite/metrics.ts `hotCounters`).
 */
export function countersOf(owner: object): HotCounters {
  let counters = byOwner.get(owner);
  if (counters === undefined) {
    counters = { auditAppends: 0 };
    byOwner.set(owner, counters);
  }
  return counters;
}
