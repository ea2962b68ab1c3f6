import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { bindAuditKey, recordAudit } from './audit.ts';
import { memoryAuditAnchor } from './audit-anchor.ts';
import { verifyAuditChain } from './audit-chain.ts';
import { migrateDatabase, openDatabase } from './client.ts';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };

/** A keyed trail of `count` events in a database file of a temp directory. */
function trailInAFile(count: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-verify-'));
  const { db, sqlite } = openDatabase(path.join(dir, 'test.db'));
  cleanups.push(() => {
    if (sqlite.open) sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });
  migrateDatabase(db);
  const key = randomBytes(32);
  bindAuditKey(db, key);
  db.transaction((tx) => {
    for (let i = 0; i < count; i++) {
      recordAudit(
        tx,
        { type: 'settings.changed', at: 1_700_000_000_000 + i, reason: `change ${i}` },
        meta,
      );
    }
  });
  return { db, sqlite, key };
}

describe('verification of a trail in a database file', () => {
  it('reads one view of it: a prune deleting between its pages is no break', async () => {
    const { db, key } = trailInAFile(20);
    // The first page (5 events) is read before the call returns; then it yields.
    const verifying = verifyAuditChain(db, key, null, { page: 5 });
    // Meanwhile a prune's batches delete the 15 oldest events (its checkpoint, written before
    // them, is not what this verification started from).
    db.transaction((tx) => {
      tx.run(sql.raw('DROP TRIGGER audit_events_no_delete'));
      tx.run(sql`DELETE FROM audit_events WHERE id <= 15`);
      tx.run(
        sql.raw(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                 BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`),
      );
    });
    expect(await verifying).toMatchObject({ intact: true, checked: 20, breakCount: 0 });
    // The next verification sees the trail as it now is: cut at its start, with no checkpoint.
    expect(await verifyAuditChain(db, key, null)).toMatchObject({ intact: false, checked: 5 });
  });

  it('takes its view after the commit group open now, which the head kept outside may name', async () => {
    const { db, sqlite, key } = trailInAFile(3);
    const anchor = memoryAuditAnchor(key);
    // A group open on the request connection, as commit groups leave one until the end of the
    // turn: an event written in it, and the head outside the database advanced to it.
    sqlite.exec('BEGIN');
    recordAudit(db, { type: 'settings.changed', at: 1_700_000_100_000, reason: 'late' }, meta);
    expect(anchor.advance(db)).toBe('advanced');
    setImmediate(() => sqlite.exec('COMMIT'));

    expect(await verifyAuditChain(db, key, anchor.read())).toMatchObject({
      intact: true,
      checked: 4,
      outsideAnchor: 'matched',
    });
  });
});
