import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** WAL pages after which the request thread checkpoints itself if the worker falls behind. */
const BACKSTOP_PAGES = 10_000;
/** SQLite's default, restored when the worker is gone. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

/**
 * Moves WAL checkpoints off the request thread (docs/decisions/013-background-checkpoints.md).
 * Every commit appends its pages to the WAL; a checkpoint copies them into the database file
 * and fsyncs it. By default SQLite does that inside whichever commit crosses 1,000 pages, on
 * the thread that serves requests. A worker thread with its own connection does it instead,
 * every `intervalMs`; the request connection keeps a high backstop so the WAL stays bounded
 * if the worker ever stops, and gets SQLite's default back if it does.
 */
export function startCheckpointer(
  sqlite: Database.Database,
  file: string,
  options: {
    intervalMs?: number;
    /** Where a problem is told (the server's logger); stderr by default. */
    report?: (problem: string) => void;
  } = {},
): { stop(): Promise<void> } {
  const report = options.report ?? ((problem: string) => console.error(problem));
  // Next to this file in the source tree, next to server.js in the bundle.
  const worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), {
    workerData: { file, intervalMs: options.intervalMs ?? 100 },
  });
  worker.unref();
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  // A reset WAL keeps its file; this caps what stays on disk after a burst.
  sqlite.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);

  let stopped = false;
  const fallBack = (why: string) => {
    if (stopped) return;
    stopped = true;
    report(`WAL checkpoints are back on the request thread: ${why}`);
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on('message', (message: { error?: string }) => {
    if (message.error) report(`WAL checkpoint failed: ${message.error}`);
  });
  worker.on('error', (error) => fallBack(String(error)));
  worker.on('exit', (code) => fallBack(`the checkpoint worker exited with ${code}`));

  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (stopped) return resolve();
        stopped = true;
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
        worker.once('message', () => void worker.terminate());
      }),
  };
}
