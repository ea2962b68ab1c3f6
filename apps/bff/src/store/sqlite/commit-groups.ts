import type Database from 'better-sqlite3';
import type { Db, Tx } from './client.ts';
import { connectionOf } from './prepared.ts';

export interface CommitGroups {
  /**
   * The commit of the group open now, if any. An answer waits for it before it leaves: the
   * request may have written in the group, or read what another request wrote there.
   */
  pending(): Promise<void> | null;
}

/** Per connection: the memo of the group open on it, if any (see `groupMemo`). */
const memos = new WeakMap<object, { current: Map<string, unknown> | null }>();

/**
 * Values worked out from the open group's own writes, for the next transaction in the same
 * group to reuse: the group holds the write lock, so no one else can change them. Emptied
 * whenever a transaction in the group rolls back, gone when the group ends; null outside a
 * group (then every value must be read again).
 */
export function groupMemo(handle: object): Map<string, unknown> | null {
  return memos.get(connectionOf(handle))?.current ?? null;
}

/**
 * Group commit (docs/decisions/014-group-commit.md). The first transaction in a turn of the
 * event loop opens one SQLite transaction; every transaction that runs before the next turn
 * ends becomes a savepoint inside it, and the group commits once, when that turn's I/O
 * callbacks are done. A savepoint still rolls back alone when its function throws,
 * so each request stays atomic on its own; the group only shares the commit, and the pages that
 * several requests change are written to the WAL once instead of once each.
 *
 * Nothing is answered before the commit that holds it (see `pending`). If a commit fails, the
 * group is rolled back, every answer waiting for it fails, and `onCommitFailure` is told: the
 * server stops, rather than go on answering for writes that may not have happened.
 */
export function startCommitGroups(
  db: Db,
  sqlite: Database.Database,
  onCommitFailure: (error: unknown) => void,
  /** Told, once per group committed, how many transactions it held (for /metrics). */
  onCommit?: (transactions: number) => void,
): CommitGroups {
  let open: {
    committed: Promise<void>;
    settle(error?: unknown): void;
    transactions: number;
  } | null = null;
  const memo: { current: Map<string, unknown> | null } = { current: null };
  memos.set(sqlite, memo);

  const commit = () => {
    const group = open;
    open = null;
    memo.current = null;
    if (!group) return;
    try {
      sqlite.exec('COMMIT');
      group.settle();
      onCommit?.(group.transactions);
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      group.settle(error);
      onCommitFailure(error);
    }
  };

  const begin = () => {
    // Inside a group already, or inside a transaction someone else opened (migrations).
    if (open || sqlite.inTransaction) return;
    sqlite.exec('BEGIN IMMEDIATE');
    let settle!: (error?: unknown) => void;
    const committed = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Rejections reach the answers that wait for it; no one waiting is not an error.
    committed.catch(() => {});
    open = { committed, settle, transactions: 0 };
    memo.current = new Map();
    // Open for one more turn than the one that began it: the requests whose bytes arrived
    // while this turn ran join the group instead of starting the next one.
    setImmediate(() => setImmediate(commit));
  };

  // Inside a group every transaction is a savepoint. Drizzle would build a new better-sqlite3
  // transaction function (four closures, their properties) and a new drizzle handle on every
  // call; the savepoint statements are prepared once here, and drizzle's handle is stateless, so
  // one serves every transaction (docs/decisions/009-performance.md).
  const savepoint = sqlite.prepare('SAVEPOINT request');
  const release = sqlite.prepare('RELEASE request');
  const rollbackTo = sqlite.prepare('ROLLBACK TO request');
  let handle: Tx | undefined;
  db.transaction((tx) => {
    handle = tx;
  });
  const tx = handle as Tx;
  // A transaction nested in one (`tx.transaction`) is a savepoint the same way.
  tx.transaction = ((run) => db.transaction(run)) as Tx['transaction'];

  db.transaction = (<T>(run: (tx: Tx) => T): T => {
    begin();
    if (open) open.transactions++;
    savepoint.run();
    try {
      const result = run(tx);
      if (typeof (result as { then?: unknown } | undefined)?.then === 'function') {
        throw new TypeError('A transaction function cannot return a promise');
      }
      release.run();
      return result;
    } catch (error) {
      // A savepoint rolled back is still open until released; the group goes on without it.
      if (sqlite.inTransaction) {
        rollbackTo.run();
        release.run();
      }
      memo.current?.clear();
      throw error;
    }
  }) as Db['transaction'];

  return { pending: () => open?.committed ?? null };
}
