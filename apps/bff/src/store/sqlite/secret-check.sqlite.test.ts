import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  SECRET_CHECK,
  type ServerSecret,
  serverSecretFile,
  serverSecretFrom,
} from '../../lib/server-secret.ts';
import { afterThisFile } from '../../test/file-cleanup.ts';
import { bindAuditKey, recordAudit } from './audit.ts';
import { type Db, migrateDatabase, openDatabase } from './client.ts';
import { settings } from './schema/settings.ts';
import { confirmDatabaseSecret, loadDatabaseSecret } from './secret-check.ts';

/**
 * A SQLite database keyed with one ONBEHALF_SECRET refuses a process or command given another,
 * as PostgreSQL's do (a review: restarted without the variable, a server generated a secret of
 * its own and keyed every later event with it, reported later as edited).
 */
const meta = { ip: null, userAgent: 'test-agent', requestId: null };
const T0 = 1_700_000_000_000;
const newSecret = () => serverSecretFrom(randomBytes(32));

function database(): Db {
  const { db } = openDatabase(':memory:');
  migrateDatabase(db);
  return db;
}

/** Keyed events, as a server with this secret writes them. */
function eventsKeyedWith(db: Db, secret: ServerSecret, count: number) {
  bindAuditKey(db, secret.auditKey);
  db.transaction((tx) => {
    for (let i = 0; i < count; i++) {
      recordAudit(tx, { type: 'settings.changed', at: T0 + i, reason: `change ${i}` }, meta);
    }
  });
}

const checkRow = (db: Db) => db.select().from(settings).where(eq(settings.key, SECRET_CHECK)).get();

describe('the secret a SQLite database was first started with', () => {
  it('is written by the first start and asked of every later one', () => {
    const db = database();
    const first = newSecret();
    confirmDatabaseSecret(db, first, T0);
    expect(checkRow(db)?.value).toEqual(expect.any(String));
    // The same secret again: nothing changes.
    const written = checkRow(db);
    confirmDatabaseSecret(db, first, T0 + 1);
    expect(checkRow(db)).toEqual(written);

    expect(() => confirmDatabaseSecret(db, newSecret(), T0 + 2)).toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    expect(checkRow(db)).toEqual(written);
  });

  it('on a database from before the check, is the one its newest keyed event verifies with', () => {
    const keyedBy = newSecret();
    const db = database();
    eventsKeyedWith(db, keyedBy, 3);

    expect(() => confirmDatabaseSecret(db, newSecret(), T0)).toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    expect(checkRow(db)).toBeUndefined();

    confirmDatabaseSecret(db, keyedBy, T0);
    expect(checkRow(db)).toBeDefined();
  });

  it('leaves no generated secret behind for a database keyed with another', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-secret-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const db = database();
    confirmDatabaseSecret(db, newSecret(), T0);

    // Started without ONBEHALF_SECRET on a DATA_DIR holding none: one is generated, refused,
    // and removed, so the next start is refused the same way instead of finding it.
    const { confirm } = loadDatabaseSecret(dataDir, undefined);
    expect(existsSync(serverSecretFile(dataDir))).toBe(true);
    expect(() => confirm(db)).toThrow(/another ONBEHALF_SECRET/);
    expect(existsSync(serverSecretFile(dataDir))).toBe(false);

    // A secret the DATA_DIR already held is never removed, right or wrong.
    const kept = loadDatabaseSecret(dataDir, undefined);
    const again = loadDatabaseSecret(dataDir, undefined);
    expect(again.secret).toEqual(kept.secret);
    expect(() => again.confirm(db)).toThrow(/another ONBEHALF_SECRET/);
    expect(existsSync(serverSecretFile(dataDir))).toBe(true);
  });
});
