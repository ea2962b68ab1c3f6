import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, legacyHash, legacyPayload } from '../../lib/audit-event.ts';
import { bindAuditKey, recordAudit } from './audit.ts';
import { memoryAuditAnchor } from './audit-anchor.ts';
import { pruneAuditEvents, verifyAuditChain } from './audit-chain.ts';
import { type Db, migrateDatabase, openDatabase } from './client.ts';

/**
 * A SQLite store may hold a trail from the chain's first version, before it had a key: plain
 * SHA-256 links, and a prune's checkpoint without a hash (ADR 017). Someone who can write the
 * database but lacks the key must not pass a deleted or invented trail off as one.
 */
const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;

function store() {
  const { db } = openDatabase(':memory:');
  migrateDatabase(db);
  const key = randomBytes(32);
  bindAuditKey(db, key);
  return { db, key, anchor: memoryAuditAnchor(key) };
}

/** Keyed events, as the server writes them, from `T0 + from` on. */
function keyed(db: Db, count: number, from = 0) {
  db.transaction((tx) => {
    for (let i = from; i < from + count; i++) {
      recordAudit(tx, { type: 'settings.changed', at: T0 + i, reason: `change ${i}` }, meta);
    }
  });
}

const DAY = 86_400_000;

/** Plain events linked from `prev`, as the first version wrote them, or as anyone can. */
function plain(db: Db, reasons: string[], prev: string) {
  let link = prev;
  for (const reason of reasons) {
    const row = {
      at: T0,
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
      reason,
      details: null,
    };
    const hash = legacyHash(link, legacyPayload(row));
    db.run(sql`INSERT INTO audit_events (at, type, reason, details, prev_hash, hash, keyed)
               VALUES (${row.at}, ${row.type}, ${reason}, NULL, ${link}, ${hash}, 0)`);
    link = hash;
  }
  return link;
}

const events = (db: Db) =>
  db.all<{ id: number; hash: string; keyed: number }>(
    sql`SELECT id, hash, keyed FROM audit_events ORDER BY id`,
  );

/** What an intruder without the key can do: delete events and plant a checkpoint. */
function intrude(db: Db, deleteThroughId: number, checkpoint: { through: number; last: string }) {
  db.run(sql.raw('DROP TRIGGER IF EXISTS audit_events_no_delete'));
  db.run(sql`DELETE FROM audit_events WHERE id <= ${deleteThroughId}`);
  db.run(
    sql.raw(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                  BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END`),
  );
  db.run(sql`INSERT INTO audit_checkpoints
               (pruned_through_id, last_hash, pruned_at, retention_days, prev_hash, hash)
             VALUES (${checkpoint.through}, ${checkpoint.last}, ${T0}, 400, NULL, NULL)`);
}

describe('a trail from before the key, on SQLite (ADR 017)', () => {
  it('its pruned start, plain events and the keyed ones after them verify', async () => {
    const { db, key, anchor } = store();
    plain(db, ['old 0', 'old 1', 'old 2', 'old 3'], GENESIS_HASH);
    const [, second] = events(db);
    // As the first version's prune left it: its oldest events gone, its checkpoint unhashed.
    intrude(db, second?.id ?? 0, { through: second?.id ?? 0, last: second?.hash ?? '' });
    expect(anchor.advance(db)).toBe('advanced');
    keyed(db, 3);
    expect(anchor.advance(db)).toBe('advanced');
    const result = await verifyAuditChain(db, key, anchor.read());
    expect(result.breaks).toEqual([]);
    expect(result).toMatchObject({
      intact: true,
      anchor: 'checkpoint',
      checked: 5,
      outsideAnchor: 'matched',
    });
  });

  it('once a prune has taken its plain events, it still verifies, and the next prune goes on (review L)', async () => {
    const { db, key, anchor } = store();
    plain(db, ['old 0', 'old 1', 'old 2', 'old 3'], GENESIS_HASH);
    const [, second] = events(db);
    intrude(db, second?.id ?? 0, { through: second?.id ?? 0, last: second?.hash ?? '' });
    anchor.advance(db);
    keyed(db, 3, 1);
    keyed(db, 3, 100 * DAY);
    keyed(db, 3, 200 * DAY);
    expect(anchor.advance(db)).toBe('advanced');
    // The retention passes the plain events and the first keyed ones: the unhashed checkpoint
    // now has a keyed event above it, and a keyed checkpoint after it.
    const first = await pruneAuditEvents(db, key, 30, T0 + 110 * DAY, { pauseMs: 0 });
    expect(first.pruned).toBe(5);
    expect(events(db).every((event) => event.keyed === 1)).toBe(true);
    expect(await verifyAuditChain(db, key, anchor.read())).toMatchObject({
      intact: true,
      breaks: [],
      outsideAnchor: 'matched',
    });
    await expect(
      pruneAuditEvents(db, key, 30, T0 + 210 * DAY, { pauseMs: 0 }),
    ).resolves.toMatchObject({ pruned: 3 });
  });

  it('a keyed trail deleted and replaced by plain events over a planted checkpoint does not verify (review J)', async () => {
    const { db, key, anchor } = store();
    keyed(db, 10);
    expect(anchor.advance(db)).toBe('advanced');
    const newest = anchor.read();
    const newestId = newest?.id ?? 0;
    intrude(db, newestId, { through: newestId, last: 'f'.repeat(64) });
    // Invented history above it, plain links anyone can compute, ids past the newest.
    plain(db, ['forged 0', 'forged 1', 'forged 2'], 'f'.repeat(64));
    keyed(db, 1, 50);

    expect(anchor.advance(db)).toBe('rewritten');
    const result = await verifyAuditChain(db, key, newest);
    expect(result).toMatchObject({ intact: false, outsideAnchor: 'truncated' });
    expect(result.breaks).toEqual(
      expect.arrayContaining([
        { id: null, checkpointId: 1, problem: 'checkpoint_forged' },
        { id: newestId, checkpointId: null, problem: 'truncated' },
      ]),
    );
    // Without the head kept outside, nothing in the database tells such a trail from one of
    // the first version, as nothing tells a trail deleted whole: the answer says it was missing.
    expect(await verifyAuditChain(db, key, null)).toMatchObject({ outsideAnchor: 'missing' });
  });

  it('the oldest keyed events deleted under a planted checkpoint are reported, the newest head still matching', async () => {
    const { db, key, anchor } = store();
    keyed(db, 10);
    expect(anchor.advance(db)).toBe('advanced');
    const fourth = events(db)[3] ?? { id: 0, hash: '' };
    intrude(db, fourth.id, { through: fourth.id, last: fourth.hash });
    const result = await verifyAuditChain(db, key, anchor.read());
    expect(result).toMatchObject({ intact: false, outsideAnchor: 'matched' });
    expect(result.breaks).toContainEqual({
      id: null,
      checkpointId: 1,
      problem: 'checkpoint_forged',
    });
  });

  it('a planted checkpoint at or past the head kept outside is never believed, even over plain events', async () => {
    const { db, key, anchor } = store();
    plain(db, ['old 0', 'old 1'], GENESIS_HASH);
    expect(anchor.advance(db)).toBe('advanced');
    const head = anchor.read();
    const [first] = events(db);
    // The head's event deleted, a plain one invented above a checkpoint naming it as pruned.
    intrude(db, head?.id ?? 0, { through: head?.id ?? 0, last: 'e'.repeat(64) });
    plain(db, ['forged'], 'e'.repeat(64));
    expect(first?.keyed).toBe(0);
    expect(anchor.advance(db)).toBe('rewritten');
    const result = await verifyAuditChain(db, key, head);
    expect(result).toMatchObject({ intact: false, outsideAnchor: 'truncated' });
    expect(result.breaks).toContainEqual({
      id: null,
      checkpointId: 1,
      problem: 'checkpoint_forged',
    });
  });
});
