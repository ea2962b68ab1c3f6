import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, legacyHash, legacyPayload } from '../../lib/audit-event.ts';
import {
  loadOrMakeServerSecret,
  SECRET_CHECK,
  type ServerSecret,
  serverSecretFile,
  serverSecretFrom,
} from '../../lib/server-secret.ts';
import { afterThisFile } from '../../test/file-cleanup.ts';
import { bindAuditKey, recordAudit } from './audit.ts';
import { pruneAuditEvents } from './audit-chain.ts';
import { type Db, migrateDatabase, openDatabase } from './client.ts';
import { auditCheckpoints } from './schema/audit-events.ts';
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

/** Plain events, as the chain's first version wrote them before it had a key. */
function firstVersionEvents(db: Db, count: number) {
  let prev = GENESIS_HASH;
  for (let i = 0; i < count; i++) {
    const row = {
      at: T0 + i,
      type: 'settings.changed' as const,
      actorUserId: null,
      actorKind: null,
      subjectUserId: null,
      organizationId: null,
      sessionId: null,
      impersonationId: null,
      ip: null,
      userAgent: null,
      requestId: null,
      reason: `change ${i}`,
      details: null,
    };
    const hash = legacyHash(prev, legacyPayload(row));
    db.run(sql`INSERT INTO audit_events (at, type, reason, details, prev_hash, hash, keyed)
               VALUES (${row.at}, ${row.type}, ${row.reason}, NULL, ${prev}, ${hash}, 0)`);
    prev = hash;
  }
}

const DAY = 86_400_000;

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

  it('with nothing to ask, is left to the next by a command that writes nothing, recorded by one that writes', () => {
    const db = database();
    // `pnpm db:migrate` run with another secret than the servers': nothing recorded, no lockout.
    confirmDatabaseSecret(db, newSecret(), T0, 'leaves');
    expect(checkRow(db)).toBeUndefined();
    const servers = newSecret();
    confirmDatabaseSecret(db, servers, T0, 'records');
    expect(checkRow(db)).toBeDefined();
    // Once recorded, a command that writes nothing is asked all the same.
    expect(() => confirmDatabaseSecret(db, newSecret(), T0, 'leaves')).toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    confirmDatabaseSecret(db, servers, T0, 'leaves');
  });

  it('on a database from before the check, is one its first or newest keyed event verifies with', () => {
    const keyedBy = newSecret();
    const db = database();
    eventsKeyedWith(db, keyedBy, 3);

    expect(() => confirmDatabaseSecret(db, newSecret(), T0)).toThrow(
      /from before it recorded its ONBEHALF_SECRET, has its audit events sealed with another secret/,
    );
    expect(checkRow(db)).toBeUndefined();

    confirmDatabaseSecret(db, keyedBy, T0);
    expect(checkRow(db)).toBeDefined();
  });

  it('on a trail a start without the variable split, takes the secret that keyed its start; the first recorded decides', () => {
    const servers = newSecret();
    const generated = newSecret();
    const db = database();
    eventsKeyedWith(db, servers, 1_000);
    // A command run without ONBEHALF_SECRET before the check: one event keyed apart, the newest.
    eventsKeyedWith(db, generated, 1);

    confirmDatabaseSecret(db, servers, T0);
    expect(() => confirmDatabaseSecret(db, generated, T0)).toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
  });

  it('on a trail whose newest event was edited, still takes the secret that keyed its first', () => {
    const secret = newSecret();
    const db = database();
    eventsKeyedWith(db, secret, 10);
    db.run(sql`DROP TRIGGER IF EXISTS audit_events_no_update`);
    db.run(
      sql`UPDATE audit_events SET reason = 'edited' WHERE id = (SELECT max(id) FROM audit_events)`,
    );
    // `pnpm audit:verify` says what was edited; the start is not where that is decided.
    confirmDatabaseSecret(db, secret, T0);
    expect(() => confirmDatabaseSecret(db, newSecret(), T0)).toThrow(/another ONBEHALF_SECRET/);
  });

  it('on a trail from before the check pruned whole, is the one its checkpoints are keyed with', async () => {
    const keyedBy = newSecret();
    const db = database();
    eventsKeyedWith(db, keyedBy, 3);
    const pruned = await pruneAuditEvents(db, keyedBy.auditKey, 30, T0 + 400 * 86_400_000);
    expect(pruned.pruned).toBe(3);

    expect(() => confirmDatabaseSecret(db, newSecret(), T0)).toThrow(
      /has its audit checkpoints sealed with another secret/,
    );
    confirmDatabaseSecret(db, keyedBy, T0);
    expect(checkRow(db)).toBeDefined();
  });

  it('refuses a command’s prune before its checkpoint when a server recorded another secret after the command’s migrate', async () => {
    const db = database();
    // A first version's trail: plain events, nothing keyed, nothing recorded.
    firstVersionEvents(db, 3);
    const command = newSecret();
    bindAuditKey(db, command.auditKey, { confirmSecretWith: command.signingKeysKey });
    // The command's migrate: nothing to ask, nothing recorded.
    confirmDatabaseSecret(db, command, T0, 'leaves');
    expect(checkRow(db)).toBeUndefined();
    // The first server starts, with another secret.
    const servers = newSecret();
    confirmDatabaseSecret(db, servers, T0);

    await expect(pruneAuditEvents(db, command.auditKey, 30, T0 + 400 * DAY)).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    // No checkpoint keyed apart, nothing deleted; the servers' record stands.
    expect(db.select().from(auditCheckpoints).all()).toEqual([]);
    expect(db.get<{ n: number }>(sql`SELECT count(*) AS n FROM audit_events`)?.n).toBe(3);
    confirmDatabaseSecret(db, servers, T0);
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

    // Another start's secret written meanwhile (two first starts at once) is not this one's to
    // remove: only the bytes this start wrote are.
    const racing = loadDatabaseSecret(dataDir, undefined);
    writeFileSync(serverSecretFile(dataDir), randomBytes(32).toString('base64url'));
    expect(() => racing.confirm(db)).toThrow(/another ONBEHALF_SECRET/);
    expect(existsSync(serverSecretFile(dataDir))).toBe(true);
    rmSync(serverSecretFile(dataDir));

    // A secret the DATA_DIR already held is never removed, right or wrong.
    const kept = loadDatabaseSecret(dataDir, undefined);
    const again = loadDatabaseSecret(dataDir, undefined);
    expect(again.secret).toEqual(kept.secret);
    expect(() => again.confirm(db)).toThrow(/another ONBEHALF_SECRET/);
    expect(existsSync(serverSecretFile(dataDir))).toBe(true);
  });
});

describe('a secret generated on first start', () => {
  it('is made once: a second start finds the first one’s, never writes over it', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-secret-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = loadOrMakeServerSecret(dataDir);
    const second = loadOrMakeServerSecret(dataDir);
    expect(first.made).toEqual(expect.any(String));
    expect(second).toEqual({ secret: first.secret, made: null });
    // Written under a name of its own first: nothing else is left in keys/.
    expect(readdirSync(path.dirname(serverSecretFile(dataDir)))).toEqual(['server-secret']);
  });

  it('found empty or cut short, is named as the file to restore, not blamed on ONBEHALF_SECRET', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-secret-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    loadOrMakeServerSecret(dataDir);
    writeFileSync(serverSecretFile(dataDir), '');
    expect(() => loadOrMakeServerSecret(dataDir)).toThrow(
      `${serverSecretFile(dataDir)} holds no whole secret (0 bytes)`,
    );
  });
});
