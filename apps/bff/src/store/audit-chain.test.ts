import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, count, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { memoryAnchorStorage } from '../lib/audit-anchor.ts';
import {
  type AuditEntry,
  GENESIS_HASH,
  keyedHash,
  legacyHash,
  legacyPayload,
} from '../lib/audit-event.ts';
import { checkpointPayload, MAX_LISTED } from '../lib/audit-verification.ts';
import { appendAudit } from './postgres/audit.ts';
import { postgresAnchorFile, postgresAuditAnchor } from './postgres/audit-anchor.ts';
import * as postgres from './postgres/audit-chain.ts';
import { openPostgres, transaction } from './postgres/client.ts';
import * as pg from './postgres/schema.ts';
import { holdRow, lockWaiters } from './postgres/test-locks.ts';
import { recordAudit } from './sqlite/audit.ts';
import { memoryAuditAnchor } from './sqlite/audit-anchor.ts';
import * as sqlite from './sqlite/audit-chain.ts';
import { auditCheckpoints, auditEvents } from './sqlite/schema/audit-events.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

const entry = (i: number, at = T0 + i): AuditEntry => ({
  type: 'settings.changed',
  at,
  reason: `change ${i}`,
  // Keys out of order and text beyond ASCII: the hash covers the stored bytes as they are.
  details: { z: i, a: 'é 😀', nested: { b: [1, null] } },
});

/** Runs a statement and, if the database refuses it, rethrows the database's own error, not drizzle's wrapper. */
async function databaseRefusal(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw (error as Error).cause ?? error;
  }
}

/**
 * Both stores' chain behind one shape, so each case below holds them to the same answers: the
 * SQLite functions of store/sqlite/audit-chain.ts and their PostgreSQL twins. `intruder` does what
 * someone with write access to the database but without the chain's key could.
 */
function chainOn(ts: TestStore) {
  const key = ts.auditKey;
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    const anchor = memoryAuditAnchor(key);
    const lift = (guard: 'update' | 'delete') =>
      db.run(sql.raw(`DROP TRIGGER IF EXISTS audit_events_no_${guard}`));
    return {
      append: async (entries: AuditEntry[]) =>
        db.transaction((tx) => {
          for (const e of entries) recordAudit(tx, e, meta);
        }),
      verify: (anchored: ReturnType<typeof anchor.read>, options?: { page?: number }) =>
        sqlite.verifyAuditChain(db, key, anchored, options),
      prune: (days: number, now: number, options?: { batch?: number; pauseMs?: number }) =>
        sqlite.pruneAuditEvents(db, key, days, now, options),
      head: async () => sqlite.auditHead(db),
      hashOf: async (id: number) => sqlite.auditHashOf(db, id),
      events: async () =>
        db
          .select({ id: auditEvents.id, hash: auditEvents.hash })
          .from(auditEvents)
          .orderBy(asc(auditEvents.id))
          .all(),
      anchor: { read: anchor.read, advance: async () => anchor.advance(db) },
      plainDelete: () => databaseRefusal(async () => db.run(sql`DELETE FROM audit_events`)),
      intruder: {
        edit: async (id: number, reason: string) => {
          lift('update');
          db.run(sql`UPDATE audit_events SET reason = ${reason} WHERE id = ${id}`);
        },
        /** Details that are not JSON, as no server writes them. */
        garble: async (id: number) => {
          lift('update');
          db.run(sql`UPDATE audit_events SET details = '{not json' WHERE id = ${id}`);
        },
        backdate: async (id: number, at: number) => {
          lift('update');
          db.run(sql`UPDATE audit_events SET at = ${at} WHERE id = ${id}`);
        },
        remove: async (ids: number[]) => {
          lift('delete');
          for (const id of ids) db.run(sql`DELETE FROM audit_events WHERE id = ${id}`);
        },
        /** Deletes every event after `keepId`; SQLite has no head row to rewind. */
        cutBack: async (keepId: number) => {
          lift('delete');
          db.run(sql`DELETE FROM audit_events WHERE id > ${keepId}`);
        },
        /** Rewinds the id sequence, so the next event written takes `keepId + 1` again. */
        rewindIds: async (keepId: number) => {
          db.run(sql`UPDATE sqlite_sequence SET seq = ${keepId} WHERE name = 'audit_events'`);
        },
        /** Sets one stored column of an event, as someone with the database file could. */
        setColumn: async (id: number, column: string, value: string | number | null) => {
          lift('update');
          db.run(
            sql`UPDATE audit_events SET ${sql.identifier(column)} = ${value} WHERE id = ${id}`,
          );
        },
        checkpoint: async (values: typeof auditCheckpoints.$inferInsert) => {
          db.insert(auditCheckpoints).values(values).run();
        },
        /** Keeps a copy of every event as stored, for `putBack`. */
        save: async () => {
          db.run(sql`DROP TABLE IF EXISTS saved_events`);
          db.run(sql`CREATE TABLE saved_events AS SELECT * FROM audit_events`);
        },
        /** Inserts a saved event again, exactly as it was stored, at its own id or another. */
        putBack: async (id: number, asId: number | bigint = id) => {
          db.run(sql`DROP TABLE IF EXISTS one_event`);
          db.run(sql`CREATE TEMP TABLE one_event AS SELECT * FROM saved_events WHERE id = ${id}`);
          db.run(sql`UPDATE one_event SET id = ${asId}`);
          db.run(sql`INSERT INTO audit_events SELECT * FROM one_event`);
        },
        /** Drops the guard that keeps ids within what a JavaScript number names exactly. */
        liftIdGuard: async () => {
          db.run(sql`DROP TRIGGER IF EXISTS audit_events_id_exact`);
        },
      },
    };
  }
  const { db } = ts;
  const anchor = postgresAuditAnchor(memoryAnchorStorage(), key);
  /** Runs as the table's owner would, with the append-only trigger switched off meanwhile. */
  const unguarded = (statement: ReturnType<typeof sql>) =>
    db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await tx.execute(statement);
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
  return {
    append: (entries: AuditEntry[]) =>
      transaction(db, async (tx) => {
        for (const e of entries) await appendAudit(tx, key, e, meta);
      }),
    verify: (anchored: ReturnType<typeof anchor.read>, options?: { page?: number }) =>
      postgres.verifyAuditChain(db, key, anchored, options),
    prune: (days: number, now: number, options?: { batch?: number; pauseMs?: number }) =>
      postgres.pruneAuditEvents(db, key, days, now, options),
    head: () => postgres.auditHead(db),
    hashOf: (id: number) => postgres.auditHashOf(db, id),
    events: () =>
      db
        .select({ id: pg.auditEvents.id, hash: pg.auditEvents.hash })
        .from(pg.auditEvents)
        .orderBy(asc(pg.auditEvents.id)),
    anchor: { read: anchor.read, advance: () => anchor.advance(db) },
    plainDelete: () => databaseRefusal(() => db.execute(sql`DELETE FROM audit_events`)),
    intruder: {
      edit: (id: number, reason: string) =>
        unguarded(sql`UPDATE audit_events SET reason = ${reason} WHERE id = ${id}`),
      garble: (id: number) =>
        unguarded(sql`UPDATE audit_events SET details = '{not json' WHERE id = ${id}`),
      backdate: (id: number, at: number) =>
        unguarded(sql`UPDATE audit_events SET at = ${at} WHERE id = ${id}`),
      remove: async (ids: number[]) => {
        for (const id of ids) await unguarded(sql`DELETE FROM audit_events WHERE id = ${id}`);
      },
      /** Deletes every event after `keepId` and rewinds the head row to it, as if never written. */
      cutBack: (keepId: number) =>
        db.transaction(async (tx) => {
          await tx.execute(sql`SET LOCAL onbehalf.audit_prune = 'on'`);
          await tx.execute(sql`DELETE FROM audit_events WHERE id > ${keepId}`);
          await tx.execute(sql`UPDATE audit_head SET last_id = ${keepId},
            last_hash = (SELECT hash FROM audit_events WHERE id = ${keepId}) WHERE id = 1`);
        }),
      rewindIds: async (keepId: number) => {
        await db.execute(
          sql`SELECT setval(pg_get_serial_sequence('audit_events', 'id'), ${keepId})`,
        );
      },
      setColumn: (id: number, column: string, value: string | number | null) =>
        unguarded(
          sql`UPDATE audit_events SET ${sql.identifier(column)} = ${value} WHERE id = ${id}`,
        ),
      checkpoint: async (values: typeof pg.auditCheckpoints.$inferInsert) => {
        await db.insert(pg.auditCheckpoints).values(values);
      },
      save: async () => {
        await db.execute(sql`DROP TABLE IF EXISTS saved_events`);
        await db.execute(sql`CREATE TABLE saved_events AS SELECT * FROM audit_events`);
        // The words are computed as an event is written (migration 0014), never written: put
        // back, an event's columns fill the table's first ones, and its words are made again.
        await db.execute(sql`ALTER TABLE saved_events DROP COLUMN words`);
      },
      putBack: (id: number, asId: number | bigint = id) =>
        db.transaction(async (tx) => {
          await tx.execute(
            sql`CREATE TEMP TABLE one_event ON COMMIT DROP AS SELECT * FROM saved_events WHERE id = ${id}`,
          );
          await tx.execute(sql`UPDATE one_event SET id = ${String(asId)}::bigint`);
          await tx.execute(sql`INSERT INTO audit_events SELECT * FROM one_event`);
        }),
      liftIdGuard: async () => {
        await db.execute(sql`ALTER TABLE audit_events DROP CONSTRAINT audit_events_id_exact`);
      },
    },
  };
}

async function trail(chain: ReturnType<typeof chainOn>, n: number, from = 0) {
  await chain.append(Array.from({ length: n }, (_, i) => entry(from + i)));
  return chain.events();
}

describe.each(dialects)('the audit chain on %s', (dialect) => {
  it('verifies intact after appends, and the head outside the database matches', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    expect(await chain.verify(null)).toEqual({
      intact: true,
      checked: 0,
      firstBrokenId: null,
      breaks: [],
      breakCount: 0,
      anchor: 'genesis',
      outsideAnchor: 'missing',
    });
    await trail(chain, 3);
    // A reason that is not well-formed Unicode is made well-formed, then stored and hashed as such.
    await chain.append([{ ...entry(3), reason: 'a\ud800b' }]);
    await trail(chain, 26, 4);
    expect(await chain.anchor.advance()).toBe('advanced');
    const events = await chain.events();
    expect(events[0]?.id).toBeDefined();
    expect(await chain.head()).toEqual(events.at(-1));
    expect(chain.anchor.read()).toEqual(events.at(-1));
    expect(await chain.hashOf(events[4]?.id ?? 0)).toBe(events[4]?.hash);
    expect(await chain.hashOf(999_999)).toBeNull();

    expect(await chain.verify(chain.anchor.read())).toEqual({
      intact: true,
      checked: 30,
      firstBrokenId: null,
      breaks: [],
      breakCount: 0,
      anchor: 'genesis',
      outsideAnchor: 'matched',
    });
    expect(await chain.anchor.advance()).toBe('unchanged');
  });

  it('lists every edited event, across pages, not only the first', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 35);
    // Pages of 10: one edit on the first page, one opening the second, one on the third.
    const edited = [events[3]?.id ?? 0, events[10]?.id ?? 0, events[25]?.id ?? 0];
    for (const id of edited) await chain.intruder.edit(id, `rewritten ${id}`);

    const paged = await chain.verify(null, { page: 10 });
    expect(paged).toMatchObject({ intact: false, checked: 35, firstBrokenId: edited[0] });
    expect(paged.breaks).toEqual(
      edited.map((id) => ({ id, checkpointId: null, problem: 'edited' })),
    );
    // Read a page at a time or at once, the answer is the same.
    expect(await chain.verify(null)).toEqual(paged);
  });

  it('details edited into something not JSON are a break like any edit, and the list still reads', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 6);
    const garbled = events[1]?.id ?? 0;
    const edited = events[4]?.id ?? 0;
    await chain.intruder.garble(garbled);
    await chain.intruder.edit(edited, 'rewritten');
    const verified = await chain.verify(null);
    expect(verified.breaks).toEqual([
      { id: garbled, checkpointId: null, problem: 'edited' },
      { id: edited, checkpointId: null, problem: 'edited' },
    ]);
    const page = await ts.store.audit.page({
      filters: {},
      before: null,
      limit: 10,
      audience: 'staff',
    });
    const shown = page.events.map((e) => JSON.parse(e.json) as { id: number; details: unknown });
    expect(shown.find((e) => e.id === garbled)?.details).toEqual({ unreadable: '{not json' });
  });

  it('a deleted middle event shows as the next one relinked', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 10);
    await chain.intruder.remove([events[4]?.id ?? 0]);

    const result = await chain.verify(null);
    expect(result.intact).toBe(false);
    expect(result.breaks).toEqual([{ id: events[5]?.id, checkpointId: null, problem: 'relinked' }]);
  });

  it('retention prunes old events in batches; the chain verifies from a keyed checkpoint and goes on', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const now = T0;
    const old = now - 500 * DAY;
    await chain.append(Array.from({ length: 25 }, (_, i) => entry(i, old + i)));
    const events = await trail(chain, 5, 25);
    expect(await chain.anchor.advance()).toBe('advanced');

    const pruned = await chain.prune(400, now, { batch: 10, pauseMs: 0 });
    expect(pruned).toEqual({ pruned: 25, throughId: events[24]?.id });
    expect(await chain.verify(chain.anchor.read())).toMatchObject({
      intact: true,
      checked: 5,
      anchor: 'checkpoint',
      outsideAnchor: 'matched',
    });
    // Nothing more to prune: no second checkpoint.
    expect(await chain.prune(400, now)).toEqual({ pruned: 0, throughId: null });
    // The guard is back once the prune is done.
    await expect(chain.plainDelete()).rejects.toThrow(/append-only/);
    await trail(chain, 2, 30);
    expect(await chain.anchor.advance()).toBe('advanced');
    expect(await chain.verify(chain.anchor.read())).toMatchObject({ intact: true, checked: 7 });
  });

  it('an unhashed checkpoint planted below a prune’s keyed one, over kept events, is reported (review N)', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    await chain.append(Array.from({ length: 5 }, (_, i) => entry(i, T0 - 500 * DAY + i)));
    const kept = (await trail(chain, 3, 10))[5] ?? { id: 0, hash: '' };
    await chain.prune(400, T0, { pauseMs: 0 });
    // Without the key: a row ahead of the keyed checkpoint in id order, no hash, naming an
    // event the prune kept.
    await chain.intruder.checkpoint({
      id: 0,
      prunedThroughId: kept.id,
      lastHash: kept.hash,
      prunedAt: T0,
      retentionDays: 1,
      prevHash: null,
      hash: null,
    });
    const result = await chain.verify(null);
    expect(result.intact).toBe(false);
    expect(result.breaks).toEqual([{ id: null, checkpointId: 0, problem: 'checkpoint_forged' }]);
  });

  it('a retention that prunes every event leaves a chain the next event continues', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    await trail(chain, 6);
    expect(await chain.anchor.advance()).toBe('advanced');

    expect(await chain.prune(0, T0 + DAY)).toMatchObject({ pruned: 6 });
    expect(await chain.head()).toBeNull();
    // Pruned past the anchored head is not a cut-back.
    expect(await chain.anchor.advance()).not.toBe('rewritten');
    await trail(chain, 2, 6);
    expect(await chain.anchor.advance()).toBe('advanced');
    expect(await chain.verify(chain.anchor.read())).toMatchObject({
      intact: true,
      checked: 2,
      anchor: 'checkpoint',
    });
  });

  it('a prune takes only the oldest events, and never seals events that do not verify', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 10);
    const now = T0 + DAY;
    // An event written with a clock far behind (at boot, say), after recent ones: it verifies,
    // and it takes none of the newer events with it.
    await chain.append([entry(50, 0)]);
    expect(await chain.prune(400, now)).toEqual({ pruned: 0, throughId: null });
    // Someone without the key dates every recent event back to make a routine prune wipe them:
    // the dates are in what the key covers, so the prune refuses and deletes nothing.
    for (const e of events) await chain.intruder.backdate(e.id, 0);
    await expect(chain.prune(400, now)).rejects.toThrow(/does not verify/);
    expect(await chain.events()).toHaveLength(11);
    expect((await chain.verify(null)).breakCount).toBe(10);
  });

  it('an event planted below the first id is reported, not left unread', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 5);
    await chain.intruder.save();
    // Copies of real events, exactly as stored (their hashes hold): lists would show them.
    await chain.intruder.putBack(events[2]?.id ?? 0, 0);
    await chain.intruder.putBack(events[3]?.id ?? 0, -7);

    const result = await chain.verify(null);
    expect(result).toMatchObject({ intact: false, breakCount: 2, checked: 7, anchor: 'genesis' });
    expect(result.breaks).toEqual([
      { id: -7, checkpointId: null, problem: 'inserted' },
      { id: 0, checkpointId: null, problem: 'inserted' },
    ]);
  });

  it('an id past what a JavaScript number holds exactly is refused, and one planted there is reported', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 5);
    await chain.intruder.save();
    const far = 2n ** 62n;
    // The store's own guard: no insert lands there, so none can push later ids past it.
    await expect(chain.intruder.putBack(events[2]?.id ?? 0, far)).rejects.toThrow();
    expect(await chain.verify(null)).toMatchObject({ intact: true, checked: 5 });

    // Someone who drops the guard first: what is planted there is read and reported.
    await chain.intruder.liftIdGuard();
    await chain.intruder.putBack(events[2]?.id ?? 0, far);
    await chain.intruder.putBack(events[3]?.id ?? 0, -far);
    await chain.intruder.putBack(events[4]?.id ?? 0, BigInt(Number.MAX_SAFE_INTEGER) + 1n);
    const result = await chain.verify(null);
    expect(result).toMatchObject({ intact: false, breakCount: 3, checked: 8 });
    expect(result.breaks).toEqual([
      { id: -Number(far), checkpointId: null, problem: 'inserted' },
      { id: Number.MAX_SAFE_INTEGER + 1, checkpointId: null, problem: 'inserted' },
      { id: Number(far), checkpointId: null, problem: 'inserted' },
    ]);
  });

  it('every event planted past the exact ids is counted, beyond the ones it names', async () => {
    const chain = chainOn(await freshStore(dialect));
    const events = await trail(chain, 2);
    await chain.intruder.save();
    await chain.intruder.liftIdGuard();
    const far = 2n ** 62n;
    const planted = MAX_LISTED + 3;
    for (let i = 0; i < planted; i++) {
      await chain.intruder.putBack(events[1]?.id ?? 0, far + BigInt(i));
    }
    const result = await chain.verify(null);
    // Only so many are named (the answer stays bounded); the count is every one of them.
    expect(result).toMatchObject({ intact: false, breakCount: planted, checked: 2 + planted });
    expect(result.breaks.length).toBeLessThanOrEqual(MAX_LISTED);
  });

  describe('below a retention prune', () => {
    /** Ten old events and three recent ones, copies saved, the old ones pruned. */
    async function prunedTrail() {
      const chain = chainOn(await freshStore(dialect));
      const now = T0;
      await chain.append(Array.from({ length: 10 }, (_, i) => entry(i, now - 500 * DAY + i)));
      const events = await trail(chain, 3, 10);
      expect(await chain.anchor.advance()).toBe('advanced');
      await chain.intruder.save();
      expect(await chain.prune(400, now)).toEqual({ pruned: 10, throughId: events[9]?.id });
      const idOf = (i: number) => events[i]?.id ?? 0;
      return { chain, idOf };
    }

    it('what a prune has still to delete verifies, and an edit there is reported', async () => {
      const { chain, idOf } = await prunedTrail();
      // A prune writes its checkpoint, then deletes the oldest first: stopped half-way, the
      // newest pruned events are still there.
      for (const i of [6, 7, 8, 9]) await chain.intruder.putBack(idOf(i));
      expect(await chain.verify(chain.anchor.read())).toMatchObject({
        intact: true,
        checked: 7,
        anchor: 'checkpoint',
        outsideAnchor: 'matched',
      });

      await chain.intruder.edit(idOf(7), 'rewritten below the checkpoint');
      const result = await chain.verify(chain.anchor.read());
      expect(result.breaks).toEqual([{ id: idOf(7), checkpointId: null, problem: 'edited' }]);
    });

    it('a prune resumed with a longer retention finishes what the last one left', async () => {
      const chain = chainOn(await freshStore(dialect));
      const now = T0;
      // Ten events 500 days old down to 410, and three recent ones.
      await chain.append(
        Array.from({ length: 10 }, (_, i) => entry(i, now - (500 - i * 10) * DAY)),
      );
      const events = await trail(chain, 3, 10);
      const idOf = (i: number) => events[i]?.id ?? 0;
      await chain.intruder.save();
      expect(await chain.prune(400, now)).toMatchObject({ pruned: 10 });
      // Stopped half-way: the four newest pruned events (440 down to 410 days old) are left.
      for (const i of [6, 7, 8, 9]) await chain.intruder.putBack(idOf(i));
      // A longer retention now takes only the oldest of them, below the checkpoint's event.
      expect(await chain.prune(435, now)).toEqual({ pruned: 1, throughId: idOf(6) });
      expect(await chain.verify(null)).toMatchObject({ intact: true, checked: 6 });
    });

    it('a pruned event put back is reported, alone or before what the prune left', async () => {
      const { chain, idOf } = await prunedTrail();
      await chain.intruder.putBack(idOf(2));
      expect((await chain.verify(chain.anchor.read())).breaks).toEqual([
        { id: idOf(2), checkpointId: null, problem: 'inserted' },
      ]);

      // With the stretch a prune leaves: the put-back event does not link into it.
      for (const i of [7, 8, 9]) await chain.intruder.putBack(idOf(i));
      expect((await chain.verify(chain.anchor.read())).breaks).toEqual([
        { id: idOf(7), checkpointId: null, problem: 'relinked' },
      ]);
    });

    it('another keyed event put at the checkpoint’s own id is reported, its own hash holding', async () => {
      const { chain, idOf } = await prunedTrail();
      // The event before the checkpoint's, copied to its id: keyed, and its hash holds (the id
      // is not in it); only the checkpoint's own hash tells it apart.
      await chain.intruder.putBack(idOf(8), idOf(9));
      expect((await chain.verify(chain.anchor.read())).breaks).toEqual([
        { id: idOf(9), checkpointId: null, problem: 'inserted' },
      ]);
    });

    it('a head kept outside at the very event a prune then took is pruned, not cut', async () => {
      const chain = chainOn(await freshStore(dialect));
      await chain.append(Array.from({ length: 5 }, (_, i) => entry(i, T0 - 500 * DAY + i)));
      // The head is written from the newest event, and the prune takes exactly through it.
      expect(await chain.anchor.advance()).toBe('advanced');
      const anchored = chain.anchor.read();
      const pruned = await chain.prune(400, T0);
      expect(pruned).toMatchObject({ pruned: 5, throughId: anchored?.id });
      expect(await chain.verify(anchored)).toMatchObject({
        intact: true,
        breaks: [],
        outsideAnchor: 'matched',
      });
    });

    it('a stretch that does not end where the checkpoint says is reported', async () => {
      const { chain, idOf } = await prunedTrail();
      // The prune's newest event is not there: these were not left by it.
      for (const i of [6, 7, 8]) await chain.intruder.putBack(idOf(i));
      const result = await chain.verify(chain.anchor.read());
      expect(result).toMatchObject({ intact: false, checked: 6 });
      expect(result.breaks).toEqual([{ id: idOf(8), checkpointId: null, problem: 'inserted' }]);
      // Nor is it sealed by the next prune.
      await expect(chain.prune(0, T0 + 2 * DAY)).rejects.toThrow(/does not verify/);
    });
  });

  it('a forged checkpoint is not believed, so it cannot hide an edit below it', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 8);
    const edited = events[2]?.id ?? 0;
    const through = events[3] ?? { id: 0, hash: '' };
    await chain.intruder.edit(edited, 'hidden');
    // A checkpoint claiming everything up to the edit was pruned, hashed with another key.
    const values = { prunedThroughId: through.id, lastHash: through.hash, prunedAt: T0 };
    const forged = { ...values, retentionDays: 400, prevHash: GENESIS_HASH };
    await chain.intruder.checkpoint({
      ...forged,
      hash: keyedHash(randomBytes(32), GENESIS_HASH, checkpointPayload(forged)),
    });

    const result = await chain.verify(null);
    expect(result).toMatchObject({ intact: false, anchor: 'genesis', checked: 8 });
    expect(result.breaks).toEqual([
      { id: null, checkpointId: 1, problem: 'checkpoint_forged' },
      { id: edited, checkpointId: null, problem: 'edited' },
    ]);
  });

  it('an unhashed checkpoint over the oldest keyed events, deleted, is forged on either store', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 5);
    const pruned = events[1] ?? { id: 0, hash: '' };
    // As a prune of the chain's first version would have left it, but over keyed events: what
    // came before the key is plain (SQLite's own case: store/sqlite/audit-legacy.sqlite.test.ts).
    await chain.intruder.remove([events[0]?.id ?? 0, pruned.id]);
    await chain.intruder.checkpoint({
      prunedThroughId: pruned.id,
      lastHash: pruned.hash,
      prunedAt: T0,
      retentionDays: 400,
      prevHash: null,
      hash: null,
    });
    const result = await chain.verify(null);
    expect(result.intact).toBe(false);
    expect(result.breaks).toContainEqual({
      id: null,
      checkpointId: 1,
      problem: 'checkpoint_forged',
    });
  });

  it('an unhashed checkpoint planted over keyed events is forged: it hides neither an edit nor a cut-back', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 10);
    expect(await chain.anchor.advance()).toBe('advanced');
    const newest = chain.anchor.read();
    const edited = events[2]?.id ?? 0;
    const kept = events[6] ?? { id: 0, hash: '' };
    await chain.intruder.edit(edited, 'hidden');
    await chain.intruder.cutBack(kept.id);
    // As a checkpoint from before the chain had a key would look: no hash at all.
    await chain.intruder.checkpoint({
      prunedThroughId: newest?.id ?? 0,
      lastHash: kept.hash,
      prunedAt: T0,
      retentionDays: 400,
      prevHash: null,
      hash: null,
    });
    expect(await chain.anchor.advance()).toBe('rewritten');
    const result = await chain.verify(newest);
    expect(result).toMatchObject({ intact: false, anchor: 'genesis', outsideAnchor: 'truncated' });
    expect(result.breaks).toEqual(
      expect.arrayContaining([
        { id: null, checkpointId: 1, problem: 'checkpoint_forged' },
        { id: edited, checkpointId: null, problem: 'edited' },
      ]),
    );
  });

  it('a trail cut back by someone without the key is caught by the head kept outside the database', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 10);
    expect(await chain.anchor.advance()).toBe('advanced');
    const newest = chain.anchor.read();
    const kept = events[6] ?? { id: 0, hash: '' };
    await chain.intruder.cutBack(kept.id);

    // What is left still links up, keyed: the chain alone cannot tell.
    expect(await chain.verify(null)).toMatchObject({ intact: true, checked: 7 });
    const result = await chain.verify(newest);
    expect(result).toMatchObject({ intact: false, outsideAnchor: 'truncated' });
    expect(result.breaks).toEqual([{ id: newest?.id, checkpointId: null, problem: 'truncated' }]);
    // The anchor does not follow the trail backwards.
    expect(await chain.anchor.advance()).toBe('rewritten');
    expect(chain.anchor.read()).toEqual(newest);
  });

  it('a trail cut back stays caught after the server writes its next event', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 10);
    expect(await chain.anchor.advance()).toBe('advanced');
    const newest = chain.anchor.read();
    await chain.intruder.cutBack(events[6]?.id ?? 0);
    // Ids are not reused: the next event lands above the anchored one, and links up.
    await chain.append([entry(100)]);
    const result = await chain.verify(newest);
    expect(result).toMatchObject({ intact: false, outsideAnchor: 'truncated', breakCount: 1 });
    expect(result.breaks).toEqual([{ id: newest?.id, checkpointId: null, problem: 'truncated' }]);
  });

  it('a trail cut back and written again over the same ids is caught by the head kept outside (mutation review)', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 10);
    expect(await chain.anchor.advance()).toBe('advanced');
    const newest = chain.anchor.read();
    const keep = events[6]?.id ?? 0;
    await chain.intruder.cutBack(keep);
    await chain.intruder.rewindIds(keep);
    // Keyed by the server and linked: every event verifies on its own, at the ids it had.
    await chain.append([entry(100), entry(101), entry(102)]);
    expect((await chain.events()).map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(await chain.verify(null)).toMatchObject({ intact: true, checked: 10 });
    const result = await chain.verify(newest);
    expect(result).toMatchObject({ intact: false, outsideAnchor: 'truncated', breakCount: 1 });
    expect(result.breaks).toEqual([{ id: newest?.id, checkpointId: null, problem: 'truncated' }]);
  });

  it('the keyed hash covers every stored column: a change to any one is an edit (mutation review)', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const changes: [string, string | number | null][] = [
      ['at', T0 + 1],
      ['type', 'impersonation.ended'],
      ['actor_user_id', 9],
      ['actor_kind', 'customer'],
      ['subject_user_id', 9],
      ['organization_id', 9],
      ['session_id', 'session-b'],
      ['impersonation_id', 'imp-b'],
      ['ip', '203.0.113.99'],
      ['user_agent', 'another agent'],
      ['request_id', 'another-request'],
      ['reason', 'another reason'],
      ['details', '{"door":"team"}'],
    ];
    // One event per column, each changed in that column alone.
    const targets = (await trail(chain, changes.length)).map((e) => e.id);
    for (const [i, [column, value]] of changes.entries()) {
      await chain.intruder.setColumn(targets[i] ?? 0, column, value);
    }
    const result = await chain.verify(null);
    expect(result.breaks).toEqual(
      targets.map((id) => ({ id, checkpointId: null, problem: 'edited' })),
    );
  });

  it('counts every break and lists the latest too, so early decoys cannot hide a later edit', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 120);
    for (const e of events.slice(0, 100)) await chain.intruder.edit(e.id, 'noise');
    const target = events[115]?.id ?? 0;
    await chain.intruder.edit(target, 'the edit that matters');
    const result = await chain.verify(null);
    expect(result).toMatchObject({ intact: false, breakCount: 101 });
    expect(result.breaks).toHaveLength(MAX_LISTED);
    expect(result.breaks.at(0)?.id).toBe(events[0]?.id);
    expect(result.breaks.at(-1)).toEqual({ id: target, checkpointId: null, problem: 'edited' });

    // Through the store's port, as `pnpm audit:verify` asks: every break is told, in order.
    const told: (number | null)[] = [];
    const answer = await ts.store.audit.verify({
      key: ts.auditKey,
      anchored: null,
      onBreak: (found) => told.push(found.id),
    });
    expect(answer).toMatchObject({ intact: false, breakCount: 101 });
    expect(told).toEqual([...events.slice(0, 100).map((e) => e.id), target]);
  });

  it('a checkpoint forged to cover a cut-back does not move the head kept outside', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const events = await trail(chain, 10);
    expect(await chain.anchor.advance()).toBe('advanced');
    const newest = chain.anchor.read();
    const kept = events[6] ?? { id: 0, hash: '' };
    await chain.intruder.cutBack(kept.id);
    // Claims a prune through the newest event, hashed with another key.
    const values = { prunedThroughId: newest?.id ?? 0, lastHash: newest?.hash ?? '', prunedAt: T0 };
    const forged = { ...values, retentionDays: 1, prevHash: GENESIS_HASH };
    await chain.intruder.checkpoint({
      ...forged,
      hash: keyedHash(randomBytes(32), GENESIS_HASH, checkpointPayload(forged)),
    });

    expect(await chain.anchor.advance()).toBe('rewritten');
    expect(chain.anchor.read()).toEqual(newest);
    const result = await chain.verify(newest);
    expect(result.breaks).toEqual([
      { id: null, checkpointId: 1, problem: 'checkpoint_forged' },
      { id: newest?.id, checkpointId: null, problem: 'truncated' },
    ]);
  });
});

describe('the audit chain on postgres, several processes at once', () => {
  /** Pools of their own, as other processes on the same database would have. */
  async function withProcesses<T>(
    ts: Extract<TestStore, { dialect: 'postgres' }>,
    n: number,
    run: (dbs: ReturnType<typeof openPostgres>['db'][]) => Promise<T>,
  ): Promise<T> {
    const processes = Array.from({ length: n }, () => openPostgres(ts.url, { max: 20 }));
    try {
      return await run(processes.map((p) => p.db));
    } finally {
      await Promise.all(processes.map((p) => p.pool.end()));
    }
  }

  it('60 appends over three separate pools leave one chain that verifies', async () => {
    const ts = await freshStore('postgres');
    await withProcesses(ts, 3, (dbs) =>
      Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          transaction(dbs[i % 3] ?? ts.db, (tx) => appendAudit(tx, ts.auditKey, entry(i), meta)),
        ),
      ),
    );
    const result = await postgres.verifyAuditChain(ts.db, ts.auditKey, null);
    expect(result).toMatchObject({ intact: true, checked: 60, breaks: [] });
    // Ids follow the chain: the head row names the newest event.
    const [headRow] = await ts.db.select().from(pg.auditHead);
    const newest = await postgres.auditHead(ts.db);
    expect({ id: headRow?.lastId, hash: headRow?.lastHash }).toEqual(newest);
    const [events] = await ts.db.select({ n: count() }).from(pg.auditEvents);
    expect(events?.n).toBe(60);
  });

  it('two prunes that reach the checkpoints at once take turns: one checkpoint chain (mutation review)', async () => {
    const ts = await freshStore('postgres');
    const chain = chainOn(ts);
    await chain.append(Array.from({ length: 20 }, (_, i) => entry(i, T0 - 500 * DAY + i)));
    // Checkpoints may be read, not written, until both prunes are as far as they can get.
    const release = await holdRow(ts.url, 'LOCK TABLE audit_checkpoints IN EXCLUSIVE MODE');
    let released = false;
    const { pool } = openPostgres(ts.url);
    try {
      const results = await withProcesses(ts, 2, async (dbs) => {
        const prunes = dbs.map((db) =>
          postgres.pruneAuditEvents(db, ts.auditKey, 400, T0, { batch: 5, pauseMs: 0 }),
        );
        await lockWaiters(pool, 2);
        await release();
        released = true;
        return Promise.all(prunes);
      });
      expect(results.reduce((sum, r) => sum + r.pruned, 0)).toBe(20);
    } finally {
      if (!released) await release();
      await pool.end();
    }
    // The second waited for the first's checkpoint (the chain head's lock): each checkpoint
    // chains on the one before it, and the trail verifies from the last.
    const checkpoints = await ts.db
      .select()
      .from(pg.auditCheckpoints)
      .orderBy(asc(pg.auditCheckpoints.id));
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
    for (const [i, checkpoint] of checkpoints.entries()) {
      expect(checkpoint.prevHash).toBe(i === 0 ? GENESIS_HASH : checkpoints[i - 1]?.hash);
    }
    expect(await chain.verify(null)).toMatchObject({ intact: true, breaks: [] });
  });

  it('two prunes racing each other and appends leave chained checkpoints and a chain that verifies', async () => {
    const ts = await freshStore('postgres');
    const chain = chainOn(ts);
    await chain.append(Array.from({ length: 20 }, (_, i) => entry(i, T0 - 500 * DAY + i)));
    const [a, b] = await withProcesses(ts, 3, (dbs) => {
      const prune = (db: (typeof dbs)[number] | undefined) =>
        postgres.pruneAuditEvents(db ?? ts.db, ts.auditKey, 400, T0, { batch: 5, pauseMs: 0 });
      const appends = Array.from({ length: 30 }, (_, i) =>
        transaction(dbs[2] ?? ts.db, (tx) => appendAudit(tx, ts.auditKey, entry(20 + i), meta)),
      );
      return Promise.all([prune(dbs[0]), prune(dbs[1]), ...appends]);
    });
    // Each old event went once, whichever prune took it.
    expect((a?.pruned ?? 0) + (b?.pruned ?? 0)).toBe(20);
    const result = await chain.verify(null);
    expect(result).toMatchObject({ intact: true, checked: 30, anchor: 'checkpoint', breaks: [] });
    const checkpoints = await ts.db.select().from(pg.auditCheckpoints);
    expect(checkpoints.length).toBeGreaterThanOrEqual(1);
  });
});

describe('the outside head on postgres, each process its own witness', () => {
  it('is the process’s own memory: another process writing an older head into a shared DATA_DIR neither moves it back nor hides a cut', async () => {
    const ts = await freshStore('postgres');
    const chain = chainOn(ts);
    const dataDir = mkdtempSync(join(tmpdir(), 'onbehalf-anchor-'));
    try {
      const anchor = postgresAuditAnchor(postgresAnchorFile(dataDir), ts.auditKey);
      await chain.append([entry(1), entry(2)]);
      await anchor.advance(ts.db);
      const older = await chain.head();
      await chain.append([entry(3), entry(4)]);
      expect(await anchor.advance(ts.db)).toBe('advanced');
      const newest = await chain.head();
      // Another process on the same host, a little behind, writes the file after this one.
      if (older) postgresAnchorFile(dataDir).write(older);
      expect(anchor.read()).toEqual(newest);
      // The newest events cut: this process still says so.
      await chain.intruder.cutBack(older?.id ?? 0);
      expect(await anchor.advance(ts.db)).toBe('rewritten');
      // A process started afterwards reads what the file holds, as its memory across restarts.
      expect(postgresAuditAnchor(postgresAnchorFile(dataDir), ts.auditKey).read()).toEqual(older);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the audit chain on postgres, keyed from its first event', () => {
  it('a plain event is a forgery there, even with no head kept outside the database', async () => {
    const ts = await freshStore('postgres');
    const chain = chainOn(ts);
    await trail(chain, 1);
    // Rewritten with the plain SHA-256 of the chain's first version, which needs no key.
    const [row] = await ts.db.select().from(pg.auditEvents);
    if (!row) throw new Error('no event');
    const { id, prevHash, hash, keyed, ...stored } = row;
    const details = stored.details === null ? null : JSON.parse(stored.details);
    const plain = legacyHash(GENESIS_HASH, legacyPayload({ ...stored, details }));
    await ts.db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await tx.execute(
        sql`UPDATE audit_events SET hash = ${plain}, keyed = false WHERE id = ${id}`,
      );
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
    const result = await chain.verify(null);
    expect(result).toMatchObject({ intact: false, outsideAnchor: 'missing' });
    expect(result.breaks).toEqual([{ id, checkpointId: null, problem: 'unkeyed' }]);
    expect({ prevHash, hash, keyed }).toMatchObject({ prevHash: GENESIS_HASH, keyed: true });
  });
});

describe.each(dialects)('two prunes at once on %s', (dialect) => {
  it('the one that checkpoints second does nothing: no checkpoint behind the one before it, no break no one made', async () => {
    const ts = await freshStore(dialect);
    const chain = chainOn(ts);
    const now = T0;
    // Ten events 500 days old, ten 200 days old, three recent.
    await chain.append(Array.from({ length: 10 }, (_, i) => entry(i, now - 500 * DAY + i)));
    await chain.append(Array.from({ length: 10 }, (_, i) => entry(10 + i, now - 200 * DAY + i)));
    const events = await trail(chain, 3, 20);
    expect(await chain.anchor.advance()).toBe('advanced');
    // Two `pnpm audit:prune` at once: a cron's with the default retention, and an operator's
    // with a shorter one (or the same one a moment later, past more events). Each picks its
    // last event, then verifies before it checkpoints; the longer one is the slower here.
    const shorter = chain.prune(100, now);
    const longer = chain.prune(400, now);
    const [a, b] = await Promise.all([shorter, longer]);
    expect(a).toEqual({ pruned: 20, throughId: events[19]?.id });
    expect(b.pruned).toBe(0);
    // What is left verifies: the trail lost nothing but what a prune signed away.
    const result = await chain.verify(chain.anchor.read());
    expect(result.breaks).toEqual([]);
    expect(result).toMatchObject({ intact: true, checked: 3, anchor: 'checkpoint' });
    // And the next prune is not refused for a break no one made.
    await trail(chain, 1, 23);
    await expect(chain.prune(100, now + DAY)).resolves.toMatchObject({ pruned: 0 });
  });
});
