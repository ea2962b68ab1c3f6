import path from 'node:path';
import Database from 'better-sqlite3';
import { privateDatabaseFile } from './client.ts';

/**
 * SQLite serves one process (README; several take PostgreSQL): a second server started on the
 * same DATA_DIR would migrate, checkpoint and index beside the first, its writers waiting on
 * the first's with the event loop blocked, a failed commit stopping it (found by a review). A
 * server holds `DATA_DIR/server.lock` for its whole life: an exclusive SQLite lock on a file of
 * its own, which the system releases when the process ends however it ends, so no stale lock
 * outlives a crash. Commands (`pnpm cli …`) do not take it: they may run beside the server.
 */
export function holdDataDir(dataDir: string): { release(): void } {
  const file = path.join(dataDir, 'server.lock');
  privateDatabaseFile(file);
  const lock = new Database(file, { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new Error(
        `Another onbehalf server is running on DATA_DIR ${dataDir}: SQLite serves one process. Stop it first, or give this one a DATA_DIR of its own (several processes on one database take DATABASE_URL).`,
      );
    }
    throw error;
  }
  return { release: () => lock.close() };
}
