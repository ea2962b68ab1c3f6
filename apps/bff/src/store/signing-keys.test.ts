import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateSigningKeys } from '../lib/signing-keys.ts';
import { openPostgres } from './postgres/client.ts';
import { signingKeys } from './postgres/schema.ts';
import { loadSharedSigningKeys } from './postgres/signing-keys.ts';
import { freshStore } from './test-stores.ts';

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
    expect(await given.db.select().from(signingKeys)).toEqual([]);
  });

  it('a process given another ONBEHALF_SECRET refuses to start, saying why', async () => {
    const { db } = await freshStore('postgres');
    await loadSharedSigningKeys(db, randomBytes(32));
    await expect(loadSharedSigningKeys(db, randomBytes(32))).rejects.toThrow(
      /another ONBEHALF_SECRET/,
    );
  });
});
