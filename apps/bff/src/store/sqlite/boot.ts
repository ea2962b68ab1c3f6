import type { Env } from '../../env.ts';
import { loadSigningKeys } from '../../lib/signing-keys.ts';
import type { BootedStore, BootHooks } from '../boot.ts';
import { endOverdueImpersonations } from '../housekeeping.ts';
import { matchWindow } from './audit.store.ts';
import { bindAuditKey } from './audit.ts';
import { fileAuditAnchor } from './audit-anchor.ts';
import { flushRepeats, watchRepeatLosses } from './audit-repeats.ts';
import { startAuditSearchIndexer } from './audit-search.ts';
import { startAuditSearchReader } from './audit-search-reader.ts';
import { startCheckpointer } from './checkpointer.ts';
import { migrateDatabase, openDatabase, secureDataDir } from './client.ts';
import { startCommitGroups } from './commit-groups.ts';
import { sqliteMetricsSources } from './metrics.ts';
import { holdDataDir } from './one-server.ts';
import {
  closeRateLimitFile,
  deleteExpiredRateLimits,
  openRateLimitFile,
  sqliteRateLimitStore,
} from './rate-limits.ts';
import { loadDatabaseSecret } from './secret-check.ts';
import { seedDemo } from './seed.ts';
import { deleteDeadSessions } from './sessions.ts';
import { createSqliteStore } from './store.ts';

/**
 * One process on `DATA_DIR/onbehalf.db`: migrated, checkpointed and search-indexed in the
 * background, its audit searches matched by a worker, the demo seeded when empty, keys, the
 * audit head and the rate-limit counters in files beside it, commits shared by group.
 */
export async function bootSqlite(env: Env, hooks: BootHooks): Promise<BootedStore> {
  const dbFile = secureDataDir(env.DATA_DIR);
  // Before anything is migrated or written: a second server on this DATA_DIR stops here.
  const held = holdDataDir(env.DATA_DIR);
  const { db, sqlite } = openDatabase(dbFile);
  migrateDatabase(db);
  const { secret, confirm } = loadDatabaseSecret(env.DATA_DIR, env.ONBEHALF_SECRET);
  try {
    confirm(db);
  } catch (error) {
    sqlite.close();
    held.release();
    throw error;
  }
  const checkpointer = startCheckpointer(sqlite, dbFile, {
    report: (problem) => hooks.logger.error(problem),
  });
  const demo = await seedDemo(db, env.demoPassword);
  const keys = await loadSigningKeys(env.DATA_DIR, env.SESSION_SIGNING_JWK);
  bindAuditKey(db, secret.auditKey);
  const auditAnchor = fileAuditAnchor(env.DATA_DIR, secret.auditKey);
  // Rate-limit counters on disk, not in the heap: a flood from many addresses fills a file.
  const counters = openRateLimitFile(env.DATA_DIR);
  // A failed commit (disk full, I/O error) was rolled back and its answers failed.
  const commitGroups = startCommitGroups(db, sqlite, hooks.onFatal, hooks.onCommitGroup);
  // Audited writes leave the full-text index to this (ADR 024); searches catch up themselves.
  const searchIndexer = startAuditSearchIndexer(db, {
    report: (problem) => hooks.logger.error(problem),
  });
  // Free-text searches find their matches on a read-only connection of a worker (ADR 035).
  const searchReader = startAuditSearchReader(dbFile, {
    inline: (query, before, size) => matchWindow(db, query, before, size),
    committed: () => commitGroups.pending(),
    report: (problem) => hooks.logger.error(problem),
  });
  const store = createSqliteStore(db, { searchReader });
  return {
    store,
    keys,
    // One process: its own key is the whole JWKS.
    publishedKeys: async () => [keys.publicJwk],
    secret,
    auditAnchor,
    advanceAuditAnchor: async () => auditAnchor.advance(db),
    watchRepeatLosses: (report) => watchRepeatLosses(db, report),
    metricsSources: sqliteMetricsSources(db),
    limiterStore: sqliteRateLimitStore(counters, (error) =>
      hooks.logger.error(
        { err: error },
        'Rate-limit counters could not be written; those of that moment are lost.',
      ),
    ),
    async housekeeping(now) {
      await endOverdueImpersonations(store, now);
      await deleteDeadSessions(db, now);
      await flushRepeats(db, now);
      await deleteExpiredRateLimits(counters, now);
    },
    commitGroups,
    demo,
    // SQLite's errors already say what went wrong, in one line.
    describeFailure: (error) => error,
    async close() {
      await searchReader.stop();
      await searchIndexer.stop();
      await commitGroups.pending()?.catch(() => {});
      await checkpointer.stop();
      sqlite.close();
      closeRateLimitFile(counters);
      held.release();
    },
  };
}
