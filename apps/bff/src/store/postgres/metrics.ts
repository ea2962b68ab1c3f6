import { count } from 'drizzle-orm';
import { countersOf } from '../../lib/hot-counters.ts';
import { type MetricsSources, runningImpersonationsFromId } from '../../lib/metrics.ts';
import { runningImpersonationsWhere } from '../running-impersonations.ts';
import type { PgDb } from './client.ts';
import { impersonations } from './schema.ts';

const runningImpersonationsQuery = (db: PgDb) =>
  db
    .select({ running: count() })
    .from(impersonations)
    .where(runningImpersonationsWhere(impersonations))
    .prepare('metrics_running_impersonations');

/**
 * What /metrics reads on PostgreSQL: the same count as on SQLite, over every process's
 * impersonations, and this process's own counters, kept under the store's chain key
 * (store/postgres/audit.ts counts each append there).
 */
export function postgresMetricsSources(db: PgDb, auditKey: Buffer): MetricsSources {
  const running = runningImpersonationsQuery(db);
  return {
    async runningImpersonations(now) {
      const [row] = await running.execute({ fromId: runningImpersonationsFromId(now), now });
      return row?.running ?? 0;
    },
    counters: countersOf(auditKey),
  };
}
