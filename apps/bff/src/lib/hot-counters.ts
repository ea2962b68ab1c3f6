import { connectionOf } from '../store/sqlite/prepared.ts';

/**
 * Counts taken on hot paths, kept as plain numbers: an increment costs nothing measurable, and
 * /metrics reads them at scrape time (lib/metrics.ts). One set per database connection, so two
 * apps in one process (as in tests) count apart. Free of prom-client, which the CLI need not load.
 */
export interface HotCounters {
  /** Audit events appended (lib/audit.ts, recordAudit). */
  auditAppends: number;
}

const byConnection = new WeakMap<object, HotCounters>();

/** The counters of the connection behind a drizzle handle (the database or a transaction). */
export function hotCounters(handle: object): HotCounters {
  const connection = connectionOf(handle);
  let counters = byConnection.get(connection);
  if (counters === undefined) {
    counters = { auditAppends: 0 };
    byConnection.set(connection, counters);
  }
  return counters;
}
