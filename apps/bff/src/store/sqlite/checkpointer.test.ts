import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startCheckpointer } from './checkpointer.ts';
import { openDatabase } from './client.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

function tempDatabase() {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-checkpoint-'));
  const file = path.join(dir, 'test.db');
  const { sqlite } = openDatabase(file);
  cleanups.push(() => {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { sqlite, file };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 4_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('background WAL checkpoints', () => {
  it('copies committed pages into the database file while the request connection never checkpoints', async () => {
    const { sqlite, file } = tempDatabase();
    const checkpointer = startCheckpointer(sqlite, file, { intervalMs: 10 });
    cleanups.push(() => checkpointer.stop());
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);

    sqlite.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const insert = sqlite.prepare('INSERT INTO blobs (body) VALUES (?)');
    // ~2 MiB, far below the request connection's own 10,000-page threshold, so only a
    // checkpoint by the worker can put these pages into the database file. One commit: with
    // synchronous = FULL each commit waits for a sync, and 500 of them would give the worker
    // time to checkpoint before the first size is read.
    sqlite.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run(Buffer.alloc(4096, i % 256));
    })();
    const before = statSync(file).size;

    await waitFor(() => statSync(file).size >= 500 * 4096, 'the database file to grow');
    expect(before).toBeLessThan(500 * 4096);
    expect(sqlite.prepare('SELECT count(*) FROM blobs').pluck().get()).toBe(500);
  });

  it("gives the request connection SQLite's own checkpoints back when the worker fails", async () => {
    const { sqlite } = tempDatabase();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    // The worker cannot open a database in a directory that does not exist: it dies at once.
    startCheckpointer(sqlite, path.join(tmpdir(), 'onbehalf-missing-dir', 'nope', 'x.db'));

    await waitFor(
      () => sqlite.pragma('wal_autocheckpoint', { simple: true }) === 1000,
      'the default checkpoint threshold to return',
    );
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('back on the request thread'));
  });

  it('stops cleanly and leaves the request connection usable', async () => {
    const { sqlite, file } = tempDatabase();
    const checkpointer = startCheckpointer(sqlite, file, { intervalMs: 10 });
    await checkpointer.stop();
    sqlite.exec('CREATE TABLE t (x)');
    sqlite.prepare('INSERT INTO t VALUES (1)').run();
    expect(sqlite.prepare('SELECT x FROM t').pluck().get()).toBe(1);
  });
});
