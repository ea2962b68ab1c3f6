import { count } from 'drizzle-orm';
import { type MetricsSources, runningImpersonationsFromId } from '../../lib/metrics.ts';
import { runningImpersonationsWhere } from '../running-impersonations.ts';
import { auditSearchBacklog } from './audit-search.ts';
import type { Db, Queryable } from './client.ts';
import { hotCounters } from './hot-counters.ts';
import { preparedPerHandle } from './prepared.ts';
import { impersonations } from './schema/impersonations.ts';

const runningImpersonationsQuery = (db: Queryable) =>
  db
    .select({ running: count() })
    .from(impersonations)
    .where(runningImpersonationsWhere(impersonations));
const runningImpersonations = preparedPerHandle((db: Queryable) =>
  runningImpersonationsQuery(db).prepare(),
);

/** The statement's SQL, for a test that asks SQLite how it runs it. */
export const runningImpersonationsSql = (db: Queryable) => runningImpersonationsQuery(db).toSQL();

/**
 * What /metrics reads on SQLite: the running impersonations and the search index's backlog (a
 * prepared statement each), and the connection's plain counters.
 */
export function sqliteMetricsSources(db: Db): MetricsSources {
  return {
    async runningImpersonations(now) {
      const fromId = runningImpersonationsFromId(now);
      return runningImpersonations(db).get({ fromId, now })?.running ?? 0;
    },
    counters: hotCounters(db),
    async auditSearchBacklog() {
      return auditSearchBacklog(db);
    },
  };
}
