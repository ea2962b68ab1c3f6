import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { countMigrations, type MigrationCounts } from '../migration-counts.ts';

export type Db = BetterSQLite3Database;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** Repositories take either, so a service decides where the transaction boundary is. */
export type Queryable = Db | Tx;

export function openDatabase(file: string): { db: Db; sqlite: Database.Database } {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // An answered commit survives a power cut (SPEC §8b): FULL syncs the WAL at every commit,
  // where NORMAL may lose the last ones and bring back a revoked session or a used token.
  // Group commit (docs/decisions/014-group-commit.md) makes that one sync per turn of the
  // event loop, shared by every request in the group, instead of one per request.
  sqlite.pragma('synchronous = FULL');
  // 8 MiB of page cache (the default is 2 MiB): the hot indexes of a large database stay in it.
  sqlite.pragma('cache_size = -8192');
  sqlite.pragma('temp_store = MEMORY');
  // SQLite's lower() and LIKE fold ASCII letters only: a search typed as "élodie" would miss
  // "ÉLODIE". Searches that ignore case fold with JavaScript's rules instead (search.ts).
  sqlite.function('fold_case', { deterministic: true }, (text: unknown) =>
    typeof text === 'string' ? text.toLowerCase() : text,
  );
  return { db: drizzle(sqlite), sqlite };
}

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

function tighten(target: string, mode: number): void {
  if ((statSync(target).mode & 0o777) !== mode) chmodSync(target, mode);
}

/**
 * Makes `DATA_DIR` (and its `keys/`) readable by the server's user only, and the database
 * files with it, tightening what an older version or a loose umask left behind (SPEC §8b).
 * Creates the database file, empty, when missing (`privateDatabaseFile`). Returns its path.
 */
export function secureDataDir(dataDir: string): string {
  try {
    return securedDataDir(dataDir);
  } catch (error) {
    // The system's own words name a path but not the setting to change (a review).
    throw new Error(
      `DATA_DIR ${dataDir} cannot be used: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function securedDataDir(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true, mode: PRIVATE_DIR });
  tighten(dataDir, PRIVATE_DIR);
  // Created 0700 by whoever first writes a key there (lib/signing-keys.ts, server-secret.ts).
  const keys = path.join(dataDir, 'keys');
  if (existsSync(keys)) {
    tighten(keys, PRIVATE_DIR);
    for (const name of readdirSync(keys)) {
      const file = path.join(keys, name);
      if (statSync(file).isFile()) tighten(file, PRIVATE_FILE);
    }
  }
  const dbFile = path.join(dataDir, 'onbehalf.db');
  privateDatabaseFile(dbFile);
  return dbFile;
}

/**
 * Creates a database file, empty and 0600, when missing, and tightens it and its `-wal` and
 * `-shm` files when an older version or a loose umask left them readable by others. SQLite
 * gives a new `-wal` and `-shm` the database file's mode, so they are born 0600 too.
 */
export function privateDatabaseFile(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE));
  for (const part of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(part)) tighten(part, PRIVATE_FILE);
  }
}

/** In the source tree the migrations sit next to this file; in the bundle, next to server.js. */
function migrationsFolder(): string {
  for (const candidate of ['./migrations']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('SQL migrations not found next to the server code');
}

export function migrateDatabase(db: Db): void {
  migrate(db, { migrationsFolder: migrationsFolder() });
}

/** The hashes of the bundled migrations, as drizzle records them once applied; read once. */
let bundledMigrations: string[] | undefined;

/**
 * How many of the migrations bundled with this code the database has not applied (0: it is
 * ready for this code), and how many it has that this code does not know (a newer version
 * migrated it: still ready as far as this code is concerned, said at start). Throws when the
 * database does not answer. One query over the migrations table (a few rows); the files are
 * read and hashed on the first call only.
 */
export function migrationCounts(db: Db): MigrationCounts {
  bundledMigrations ??= readMigrationFiles({ migrationsFolder: migrationsFolder() }).map(
    (m) => m.hash,
  );
  const applied = db
    .all<{ hash: string }>(sql`SELECT hash FROM __drizzle_migrations`)
    .map((row) => row.hash);
  return countMigrations(bundledMigrations, applied);
}
