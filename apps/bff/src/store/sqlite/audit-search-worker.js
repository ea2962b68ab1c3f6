// Plain JavaScript: a worker thread starts from a file, and this one must load the same way
// from the source tree (tsx, Vitest) and from the bundle.
/**
 * Runs in a worker thread (see audit-search-reader.ts): finds the matches of free-text audit
 * searches, a window of ids at a time, on a read-only connection of its own, so that FTS5
 * gathering every match of a prefix over the whole index never holds the request thread
 * (docs/decisions/035-audit-search-off-the-request-thread.md). Messages are answered one at a
 * time, in the order they came.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * `matchWindow`'s statement (audit.store.ts), word for word: the ids of up to `size` matches
 * below `before`, newest first. The tests compare the two answers.
 */
const MATCH_WINDOW = `SELECT rowid AS id FROM audit_fts WHERE audit_fts MATCH ? AND rowid < ?
  ORDER BY rowid DESC LIMIT ?`;

/**
 * A connection that cannot write, twice over: SQLite opens the file read-only (and never
 * creates one), and `query_only` refuses any statement that would change the database. In WAL
 * mode it still sees every transaction committed before each statement starts.
 */
export function openSearchConnection(file) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('query_only = 1');
  // A reader waits for no writer in WAL mode; this covers the moments a checkpoint resets it.
  db.pragma('busy_timeout = 5000');
  return db;
}

/** @type {{ auditSearch?: { file: string, answered: Int32Array } } | undefined} */
const data = workerData;
// Only as the search worker: a test imports `openSearchConnection` from a thread of its own.
if (parentPort && data?.auditSearch) {
  const port = parentPort;
  const { file, answered } = data.auditSearch;
  const db = openSearchConnection(file);
  const matches = db.prepare(MATCH_WINDOW).pluck();
  port.on(
    'message',
    (/** @type {{ id: number, query: string, before: number, size: number }} */ m) => {
      let answer;
      try {
        answer = { id: m.id, ids: matches.all(m.query, m.before, m.size) };
      } catch (error) {
        const { message, code } = /** @type {Error & { code?: string }} */ (error);
        answer = { id: m.id, error: { message: String(message), code } };
      }
      // Read by the request thread without its event loop (a timer that fires before this
      // answer is read must not take it for lost): the newest request answered.
      Atomics.store(answered, 0, m.id);
      port.postMessage(answer);
    },
  );
}
