import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, secureDataDir } from './client.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-data-'));
  dirs.push(dir);
  return dir;
}

const modeOf = (file: string) => (statSync(file).mode & 0o777).toString(8);

describe('durable commits', () => {
  it('syncs the WAL at every commit (synchronous = FULL), so an answered commit survives a power cut', () => {
    const { sqlite } = openDatabase(path.join(tempDir(), 'test.db'));
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    // 2 is FULL; NORMAL (1) may lose the last commits on power loss.
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(2);
    sqlite.close();
  });
});

describe('the data directory', () => {
  it('is created readable by the server only, and so are the database and its WAL files', () => {
    const dataDir = path.join(tempDir(), 'data');
    const dbFile = secureDataDir(dataDir);
    expect(dbFile).toBe(path.join(dataDir, 'onbehalf.db'));
    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(dbFile)).toBe('600');

    const { sqlite } = openDatabase(dbFile);
    sqlite.exec('CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);');
    // SQLite gives the WAL and shared-memory files the database file's mode.
    expect(modeOf(`${dbFile}-wal`)).toBe('600');
    expect(modeOf(`${dbFile}-shm`)).toBe('600');
    sqlite.close();
  });

  it('that cannot be made or used is named as DATA_DIR, with the system’s reason', () => {
    const notADirectory = path.join(tempDir(), 'a-file');
    writeFileSync(notADirectory, '');
    const dataDir = path.join(notADirectory, 'data');
    expect(() => secureDataDir(dataDir)).toThrow(
      new RegExp(`^DATA_DIR ${dataDir} cannot be used: ENOTDIR`),
    );
  });

  it('tightens an existing directory, its keys and its database files left readable by others', () => {
    const dataDir = tempDir();
    const keys = path.join(dataDir, 'keys');
    mkdirSync(keys);
    const loose = {
      [dataDir]: 0o755,
      [keys]: 0o755,
      [path.join(keys, 'server-secret')]: 0o644,
      [path.join(dataDir, 'onbehalf.db')]: 0o644,
      [path.join(dataDir, 'onbehalf.db-wal')]: 0o644,
      [path.join(dataDir, 'onbehalf.db-shm')]: 0o666,
    };
    for (const [file, mode] of Object.entries(loose)) {
      if (file !== dataDir && file !== keys) writeFileSync(file, '');
      chmodSync(file, mode);
    }

    secureDataDir(dataDir);

    expect(modeOf(dataDir)).toBe('700');
    expect(modeOf(keys)).toBe('700');
    expect(modeOf(path.join(keys, 'server-secret'))).toBe('600');
    for (const suffix of ['', '-wal', '-shm']) {
      expect(modeOf(path.join(dataDir, `onbehalf.db${suffix}`))).toBe('600');
    }
  });
});
