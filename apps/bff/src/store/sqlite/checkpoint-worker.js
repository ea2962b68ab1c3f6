// Plain JavaScript: a worker thread starts from a file, and this one must load the same way
// from the source tree (tsx, Vitest) and from the bundle.
/**
 * Runs in a worker thread (see checkpointer.ts): copies committed WAL pages into the database
 * file on its own connection, so the request thread never waits for those writes or their
 * fsync. PASSIVE never blocks a writer or a reader; what it cannot copy yet it copies next time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ file: string, intervalMs: number }} */
const { file, intervalMs } = workerData;
const db = new Database(file);
db.pragma('synchronous = NORMAL');
// This connection only checkpoints: it must never be the one that does it on commit.
db.pragma('wal_autocheckpoint = 0');

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort?.postMessage({ error: String(error) });
  }
}, intervalMs);

parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.postMessage({ stopped: true });
});
