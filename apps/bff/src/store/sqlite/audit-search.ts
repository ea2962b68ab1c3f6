import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import type { Db, Queryable } from './client.ts';
import { preparedPerHandle } from './prepared.ts';

/**
 * The audit trail's full-text index (`audit_fts`, FTS5) is fed in batches, in id order, not
 * inside each audited write (docs/decisions/024-deferred-audit-search-index.md):
 * `audit_search_progress` holds the newest id indexed. A free-text search first indexes what
 * is newer (`catchUpAuditSearch`), so it finds every event written before it; a background
 * indexer keeps that tail short, so a search rarely has anything to do.
 */

/** Events per batch: one batch blocks the event loop for a few milliseconds. */
export const AUDIT_SEARCH_BATCH = 500;

const progressAndNewest = preparedPerHandle((db: Queryable) =>
  db
    .select({
      through: sql<number>`indexed_through`,
      newest: sql<number>`coalesce((SELECT max(id) FROM audit_events), 0)`,
    })
    .from(sql`audit_search_progress`)
    .prepare(),
);

const nextBatch = preparedPerHandle((db: Queryable) =>
  db
    .select({ count: sql<number>`count(*)`, last: sql<number | null>`max(id)` })
    .from(
      sql`(SELECT id FROM audit_events
           WHERE id > ${sql.placeholder('after')} AND id <= ${sql.placeholder('upTo')}
           ORDER BY id LIMIT ${sql.placeholder('batch')})`,
    )
    .prepare(),
);

/** How far the index has gone, and the newest event: equal when nothing waits. */
export function auditSearchProgress(db: Queryable): { through: number; newest: number } {
  const row = progressAndNewest(db).get();
  if (!row) throw new Error('audit_search_progress has no row: is the database migrated?');
  return row;
}

/**
 * How many events wait for the index: the distance from the mark to the newest event, one
 * primary-key lookup whatever the backlog (ids are never reused, and pruning takes the oldest).
 */
export function auditSearchBacklog(db: Queryable): number {
  const { through, newest } = auditSearchProgress(db);
  return Math.max(0, newest - through);
}

/**
 * Indexes the next events after the progress mark, at most `batch` and none past `upTo`, and
 * moves the mark, in one transaction (the mark is read inside it, so two writers cannot index
 * the same events). Returns how many it indexed.
 */
export function indexAuditSearch(db: Db, options: { batch?: number; upTo?: number } = {}): number {
  const batch = options.batch ?? AUDIT_SEARCH_BATCH;
  return db.transaction((tx) => {
    const { through } = auditSearchProgress(tx);
    const upTo = options.upTo ?? Number.MAX_SAFE_INTEGER;
    const next = nextBatch(tx).get({ after: through, upTo, batch });
    if (!next?.count || next.last === null) return 0;
    // Through the view the index reads (migration 0025): an operator's address apart.
    tx.run(sql`INSERT INTO audit_fts (rowid, reason, details, type, ip, operator_ip)
      SELECT id, reason, details, type, ip, operator_ip FROM audit_search_text
      WHERE id > ${through} AND id <= ${next.last} ORDER BY id`);
    tx.run(sql`UPDATE audit_search_progress SET indexed_through = ${next.last} WHERE id = 1`);
    return next.count;
  });
}

/**
 * Indexes every event written before the call, a batch per turn of the event loop, so a long
 * tail (after a restart, say) never blocks the loop for long. Reads only, when nothing waits.
 */
export async function catchUpAuditSearch(
  db: Db,
  batch = AUDIT_SEARCH_BATCH,
  report: (problem: unknown) => void = () => {},
): Promise<void> {
  const { through, newest } = auditSearchProgress(db);
  if (through > newest && rebuildAuditSearch(db)) report(new Error(MARK_AHEAD));
  else if (through >= newest) return;
  while (indexAuditSearch(db, { batch, upTo: newest }) === batch) await nextTurn();
}

const MARK_AHEAD =
  'The audit search index said it held events not yet written (its mark was moved ahead in the database): it is emptied and the trail indexed again. Run `pnpm audit:verify`.';

/**
 * Empties the index and sets its mark back to the start, in one transaction: the trail is
 * then indexed again, in batches. For a mark past every event ever written, which no run
 * writes: every event after it would have gone unindexed, unfound by any search, while the
 * trail verified (a review). Checked where the mark is read, so the indexer mends it within its
 * interval. Whether it did.
 */
function rebuildAuditSearch(db: Db): boolean {
  return db.transaction((tx) => {
    // Past every id ever given (AUTOINCREMENT's sequence): a trail pruned whole keeps its mark
    // at its last event, which is no sign of a hand.
    const given = tx.get<{ seq: number } | undefined>(
      sql`SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'`,
    );
    if (auditSearchProgress(tx).through <= (given?.seq ?? 0)) return false;
    tx.run(sql`INSERT INTO audit_fts (audit_fts) VALUES ('delete-all')`);
    tx.run(sql`UPDATE audit_search_progress SET indexed_through = 0 WHERE id = 1`);
    return true;
  });
}

/**
 * Keeps the index close behind the trail: every `everyMs`, indexes what was written since.
 * One pass at a time; a failure is reported and the next tick tries again.
 */
export function startAuditSearchIndexer(
  db: Db,
  options: { everyMs?: number; batch?: number; report: (problem: unknown) => void },
): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const tick = () => {
    if (running) return;
    running = catchUpAuditSearch(db, options.batch, options.report)
      .catch(options.report)
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, options.everyMs ?? 200);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
