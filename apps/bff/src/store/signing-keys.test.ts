import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SECRET_CHECK, seal, serverSecretFrom } from '../lib/server-secret.ts';
import { generateSigningKeys, type PublicJwk, type SigningKeys } from '../lib/signing-keys.ts';
import { appendAudit } from './postgres/audit.ts';
import { pruneAuditEvents } from './postgres/audit-chain.ts';
import { openPostgres, transaction } from './postgres/client.ts';
import { auditCheckpoints, auditEvents, settings, signingKeys } from './postgres/schema.ts';
import { recordSecretCheck } from './postgres/secret-record.ts';
import {
  confirmDatabaseSecret,
  KEY_PUBLISHED_FOR_MS,
  loadSharedSigningKeys,
  publishedSigningKeys,
  stillSigningWith,
} from './postgres/signing-keys.ts';
import { createPostgresStore } from './postgres/store.ts';
import { lockWaiters } from './postgres/test-locks.ts';
import { freshStore } from './test-stores.ts';

const MINUTE = 60_000;

/** A JWT as a process signs one with its key. */
function signedWith(keys: SigningKeys): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: keys.kid })
    .setSubject('1')
    .setExpirationTime('5m')
    .sign(keys.privateKey);
}

async function verifiesWith(jwt: string, keys: PublicJwk[]): Promise<boolean> {
  return jwtVerify(jwt, createLocalJWKSet({ keys })).then(
    () => true,
    () => false,
  );
}

const kids = (keys: PublicJwk[]) => keys.map((k) => k.kid);

/**
 * A PostgreSQL database whose processes took their key from SESSION_SIGNING_JWK and keyed three
 * audit events; `forgetSecret` leaves it as a version from before registered keys and the
 * secret's record did: nothing sealed, only its trail to ask.
 */
async function keyedTrailFromEnvKeys() {
  const { db } = await freshStore('postgres');
  const fromEnv = JSON.stringify((await generateSigningKeys()).privateJwk);
  const processes = serverSecretFrom(randomBytes(32));
  const start = (secret: typeof processes) =>
    loadSharedSigningKeys(db, secret.signingKeysKey, fromEnv, Date.now(), secret.auditKey);
  await start(processes);
  await transaction(db, async (tx) => {
    for (let i = 0; i < 3; i++) {
      await appendAudit(
        tx,
        processes.auditKey,
        { type: 'settings.changed', at: 1_700_000_000_000 + i, reason: `change ${i}` },
        { ip: null, userAgent: 'test-agent', requestId: null },
      );
    }
  });
  const forgetSecret = async () => {
    await db.delete(signingKeys);
    await db.delete(settings).where(eq(settings.key, SECRET_CHECK));
  };
  return { db, processes, start, forgetSecret };
}

describe('the session-signing key on PostgreSQL', () => {
  it('three processes starting at once make one key and publish the same JWKS', async () => {
    const { url, db } = await freshStore('postgres');
    const sealKey = randomBytes(32);
    const stores = [1, 2, 3].map(() => openPostgres(url, { max: 2 }));
    try {
      const loaded = await Promise.all(
        stores.map(({ db: each }) => loadSharedSigningKeys(each, sealKey)),
      );
      const published = loaded.map((k) => JSON.stringify(k.publicJwk));
      expect(new Set(published).size).toBe(1);
      const rows = await db.select().from(signingKeys);
      expect(rows).toHaveLength(1);
      // The private half is sealed: the stored row holds no JWK field `d`.
      expect(rows[0]?.sealedPrivateJwk).not.toMatch(/"d"/);
    } finally {
      await Promise.all(stores.map(({ pool }) => pool.end()));
    }
  });

  it('a process given another ONBEHALF_SECRET refuses to start when the key comes from the environment too', async () => {
    const { db } = await freshStore('postgres');
    const { privateJwk } = await generateSigningKeys();
    const fromEnv = JSON.stringify(privateJwk);
    const secret = randomBytes(32);
    const first = await loadSharedSigningKeys(db, secret, fromEnv);
    // The same secret starts again, as every other process of the deploy does.
    const again = await loadSharedSigningKeys(db, secret, fromEnv);
    expect(again.publicJwk).toEqual(first.publicJwk);
    await expect(loadSharedSigningKeys(db, randomBytes(32), fromEnv)).rejects.toThrow(
      /another ONBEHALF_SECRET/,
    );
  });

  it('a process given another ONBEHALF_SECRET refuses to start whichever way each process has its key', async () => {
    const fromEnv = JSON.stringify((await generateSigningKeys()).privateJwk);
    // Its key made in the database, then a process with the key from the environment.
    const keyed = await freshStore('postgres');
    await loadSharedSigningKeys(keyed.db, randomBytes(32));
    await expect(loadSharedSigningKeys(keyed.db, randomBytes(32), fromEnv)).rejects.toThrow(
      /another ONBEHALF_SECRET/,
    );
    // First started with the key from the environment, then a process making its own.
    const given = await freshStore('postgres');
    await loadSharedSigningKeys(given.db, randomBytes(32), fromEnv);
    await expect(loadSharedSigningKeys(given.db, randomBytes(32))).rejects.toThrow(
      /another ONBEHALF_SECRET/,
    );
    // No key was made for the refused process: only the given key's public half is there.
    const rows = await given.db.select().from(signingKeys);
    expect(rows.map((row) => row.sealedPrivateJwk)).toEqual([null]);
  });

  it('on a database from before the check, its keys decide; with none sealed, a command that has written nothing leaves the record to a server', async () => {
    // Every process took its key from SESSION_SIGNING_JWK: only public halves, sealed.
    const { db } = await freshStore('postgres');
    const fromEnv = JSON.stringify((await generateSigningKeys()).privateJwk);
    const processes = randomBytes(32);
    await loadSharedSigningKeys(db, processes, fromEnv);
    // As a version from before the record left it.
    await db.delete(settings).where(eq(settings.key, SECRET_CHECK));
    // A deploy's `pnpm db:migrate` given another secret is refused, and locks no server out.
    await expect(confirmDatabaseSecret(db, randomBytes(32), undefined)).rejects.toThrow(
      /from before it recorded its ONBEHALF_SECRET, has its session-signing keys sealed with another/,
    );
    await loadSharedSigningKeys(db, processes, fromEnv);

    // Nothing sealed at all: a command that writes nothing records nothing, the first server does.
    const bare = (await freshStore('postgres')).db;
    await confirmDatabaseSecret(bare, randomBytes(32), undefined);
    expect(await bare.select().from(settings).where(eq(settings.key, SECRET_CHECK))).toEqual([]);
    const server = randomBytes(32);
    await loadSharedSigningKeys(bare, server);
    await expect(confirmDatabaseSecret(bare, randomBytes(32), undefined)).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    await confirmDatabaseSecret(bare, server, undefined);
  });

  it('on a database with nothing to ask, a command’s first keyed event records its secret in its own transaction, as a server does', async () => {
    const { db } = await freshStore('postgres');
    const command = serverSecretFrom(randomBytes(32));
    createPostgresStore(db, {
      auditKey: command.auditKey,
      confirmSecretWith: command.signingKeysKey,
    });
    // Its migrate records nothing.
    await confirmDatabaseSecret(db, command.signingKeysKey, command.auditKey);
    expect(await db.select().from(settings).where(eq(settings.key, SECRET_CHECK))).toEqual([]);
    await transaction(db, (tx) =>
      appendAudit(
        tx,
        command.auditKey,
        { type: 'settings.changed', at: 1_700_000_000_000 },
        { ip: null, userAgent: 'test-agent', requestId: null },
      ),
    );
    expect(await db.select().from(settings).where(eq(settings.key, SECRET_CHECK))).toHaveLength(1);
    // Its events decide: a server, or another command, with another secret is refused.
    await expect(loadSharedSigningKeys(db, randomBytes(32))).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    await expect(confirmDatabaseSecret(db, randomBytes(32), undefined)).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    await loadSharedSigningKeys(db, command.signingKeysKey);
  });

  it('a server starting while a command’s first keyed write records its secret waits for it, then starts with the same secret and is refused with another', async () => {
    for (const [server, starts] of [
      ['the same', true],
      ['another', false],
    ] as const) {
      const { db } = await freshStore('postgres');
      const command = randomBytes(32);
      // The command's write, its secret recorded, not yet committed.
      let commit = () => {};
      const committed = new Promise<void>((resolve) => {
        commit = resolve;
      });
      let recorded = () => {};
      const hasRecorded = new Promise<void>((resolve) => {
        recorded = resolve;
      });
      const written = transaction(db, async (tx) => {
        await recordSecretCheck(tx, command);
        recorded();
        await committed;
      });
      // Only once the command's record is written: the two transactions' connections may open
      // in either order, and a server that recorded first would wait for nothing (a flaky
      // "never 1 connections waiting for a lock" under the whole suite).
      await hasRecorded;
      // The server finds nothing committed, and its own record waits for the command's.
      const started = loadSharedSigningKeys(db, server === 'the same' ? command : randomBytes(32));
      started.catch(() => {});
      await lockWaiters(db.$client as pg.Pool, 1);
      commit();
      await written;
      // Not a duplicate key: the record committed first decides.
      if (starts) await started;
      else await expect(started).rejects.toThrow(/first started with another ONBEHALF_SECRET/);
    }
  });

  it('on a database from before keys were registered, its audit trail decides', async () => {
    const { db, processes, start, forgetSecret } = await keyedTrailFromEnvKeys();
    // As a version from before registered keys and the record left it: nothing sealed.
    await forgetSecret();

    const other = serverSecretFrom(randomBytes(32));
    const sealedApart = /has its audit trail sealed with another secret/;
    await expect(start(other)).rejects.toThrow(sealedApart);
    await expect(confirmDatabaseSecret(db, other.signingKeysKey, other.auditKey)).rejects.toThrow(
      sealedApart,
    );
    await start(processes);
    await confirmDatabaseSecret(db, processes.signingKeysKey, processes.auditKey);
  });

  it('on a database from before keys were registered whose trail was pruned whole, its newest checkpoint decides', async () => {
    const { db, processes, start, forgetSecret } = await keyedTrailFromEnvKeys();
    // Every event is past a day's retention: the prune leaves its keyed checkpoint alone.
    const { pruned } = await pruneAuditEvents(db, processes.auditKey, 1, Date.now());
    expect(pruned).toBe(3);
    expect(await db.select().from(auditEvents)).toEqual([]);
    expect(await db.select().from(auditCheckpoints)).toHaveLength(1);
    await forgetSecret();

    const other = serverSecretFrom(randomBytes(32));
    const sealedApart = /has its audit trail sealed with another secret/;
    await expect(start(other)).rejects.toThrow(sealedApart);
    await expect(confirmDatabaseSecret(db, other.signingKeysKey, other.auditKey)).rejects.toThrow(
      sealedApart,
    );
    await start(processes);
  });

  it('on a database from before keys were registered, a trail whose newest event was edited still knows its secret by its first', async () => {
    const { db, processes, start, forgetSecret } = await keyedTrailFromEnvKeys();
    await db.transaction(async (tx) => {
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
      await tx.execute(
        sql`UPDATE audit_events SET reason = 'edited' WHERE id = (SELECT max(id) FROM audit_events)`,
      );
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    });
    await forgetSecret();

    await expect(start(serverSecretFrom(randomBytes(32)))).rejects.toThrow(
      /has its audit trail sealed with another secret/,
    );
    await start(processes);
    await confirmDatabaseSecret(db, processes.signingKeysKey, processes.auditKey);
  });

  it('a process given another ONBEHALF_SECRET refuses to start, saying why', async () => {
    const { db } = await freshStore('postgres');
    await loadSharedSigningKeys(db, randomBytes(32));
    await expect(loadSharedSigningKeys(db, randomBytes(32))).rejects.toThrow(
      /another ONBEHALF_SECRET/,
    );
  });

  it('processes started with and without SESSION_SIGNING_JWK publish the same JWKS, and each verifies what the other signs', async () => {
    const { db } = await freshStore('postgres');
    const secret = randomBytes(32);
    const now = Date.now();
    const fromEnv = JSON.stringify((await generateSigningKeys()).privateJwk);
    const given = await loadSharedSigningKeys(db, secret, fromEnv, now);
    const made = await loadSharedSigningKeys(db, secret, undefined, now);
    const another = await loadSharedSigningKeys(db, secret, undefined, now);
    expect(made.kid).not.toBe(given.kid);
    expect(another.kid).toBe(made.kid);

    const [fromGiven, fromMade] = await Promise.all([
      publishedSigningKeys(db, secret, given, now),
      publishedSigningKeys(db, secret, made, now),
    ]);
    expect(fromGiven).toEqual(fromMade);
    expect(kids(fromGiven).sort()).toEqual([given.kid, made.kid].sort());
    expect(await verifiesWith(await signedWith(made), fromGiven)).toBe(true);
    expect(await verifiesWith(await signedWith(given), fromMade)).toBe(true);
    // The key from the environment leaves its public half only.
    const [row] = await db.select().from(signingKeys).where(eq(signingKeys.kid, given.kid));
    expect(row?.sealedPrivateJwk).toBeNull();
    expect(row?.sealedPublicJwk).not.toMatch(/"x"/);
  });

  it('a key no process has signed with lately leaves the JWKS; one still in use stays', async () => {
    const { db } = await freshStore('postgres');
    const secret = randomBytes(32);
    const start = Date.now();
    // A rolling change of SESSION_SIGNING_JWK: the old key's processes stop, the new key's run on.
    const old = await loadSharedSigningKeys(
      db,
      secret,
      JSON.stringify((await generateSigningKeys()).privateJwk),
      start,
    );
    const next = await loadSharedSigningKeys(
      db,
      secret,
      JSON.stringify((await generateSigningKeys()).privateJwk),
      start,
    );
    const later = start + KEY_PUBLISHED_FOR_MS + MINUTE;
    for (let at = start + MINUTE; at <= later; at += MINUTE) {
      await stillSigningWith(db, next.kid, at);
    }
    expect(kids(await publishedSigningKeys(db, secret, next, start + MINUTE))).toContain(old.kid);
    expect(kids(await publishedSigningKeys(db, secret, next, later))).toEqual([next.kid]);
    // An earlier word never moves a key's last use back.
    await stillSigningWith(db, next.kid, start);
    const seen = await publishedSigningKeys(db, secret, old, later);
    expect(kids(seen).sort()).toEqual([next.kid, old.kid].sort());
  });

  it('a key written into the database without ONBEHALF_SECRET is never published', async () => {
    const { db } = await freshStore('postgres');
    const secret = randomBytes(32);
    const now = Date.now();
    const own = await loadSharedSigningKeys(db, secret, undefined, now);
    const planted = (await generateSigningKeys()).keys;
    const swapped = (await generateSigningKeys()).keys;
    await db.insert(signingKeys).values([
      // Sealed with another secret.
      {
        kid: planted.kid,
        publicJwk: planted.publicJwk,
        sealedPublicJwk: seal(randomBytes(32), JSON.stringify(planted.publicJwk)),
        createdAt: now,
        lastSeenAt: now,
      },
      // A genuine sealed public key copied under another kid.
      {
        kid: swapped.kid,
        publicJwk: swapped.publicJwk,
        sealedPublicJwk: seal(secret, JSON.stringify(own.publicJwk)),
        createdAt: now,
        lastSeenAt: now,
      },
    ]);
    expect(kids(await publishedSigningKeys(db, secret, own, now))).toEqual([own.kid]);
  });

  it('a SESSION_SIGNING_JWK that takes the kid of another published key refuses to start', async () => {
    const { db } = await freshStore('postgres');
    const secret = randomBytes(32);
    const made = await loadSharedSigningKeys(db, secret);
    const impostor = { ...(await generateSigningKeys()).privateJwk, kid: made.kid };
    await expect(loadSharedSigningKeys(db, secret, JSON.stringify(impostor))).rejects.toThrow(
      /Another session-signing key is already published under the kid/,
    );
    // The key itself, from the environment, is the same key: it starts.
    const [row] = await db.select().from(signingKeys);
    expect(row?.kid).toBe(made.kid);
  });

  it('a key made before keys were published by every process is published once a process loads it', async () => {
    const { db } = await freshStore('postgres');
    const secret = randomBytes(32);
    const made = await loadSharedSigningKeys(db, secret);
    // As the row was before: its public half not sealed, no last use.
    await db.update(signingKeys).set({ sealedPublicJwk: null, lastSeenAt: null });
    const fromEnv = await loadSharedSigningKeys(
      db,
      secret,
      JSON.stringify((await generateSigningKeys()).privateJwk),
    );
    expect(kids(await publishedSigningKeys(db, secret, fromEnv, Date.now()))).toEqual([
      fromEnv.kid,
    ]);
    const again = await loadSharedSigningKeys(db, secret);
    expect(again.kid).toBe(made.kid);
    expect(kids(await publishedSigningKeys(db, secret, fromEnv, Date.now())).sort()).toEqual(
      [fromEnv.kid, made.kid].sort(),
    );
  });
});
