import { describe, expect, it } from 'vitest';
import { hashPassword } from '../lib/passwords.ts';
import { DEMO_PASSWORD, demoAccounts } from './demo.ts';
import { migratePostgres, openPostgres } from './postgres/client.ts';
import * as pg from './postgres/schema.ts';
import { seedDemoPostgres } from './postgres/seed.ts';
import { profiles } from './sqlite/schema/profiles.ts';
import { users } from './sqlite/schema/users.ts';
import { seedDemo } from './sqlite/seed.ts';
import { freshStore } from './test-stores.ts';

/** Who is in the demo, as each database holds it: email, name, role in which organization. */
const describeSqlite = async () => {
  const { db } = await freshStore('sqlite');
  await seedDemo(db, DEMO_PASSWORD, 0);
  const people = db.select().from(users).all();
  const memberships = db.select().from(profiles).all();
  return {
    people: people.map((u) => [u.email, u.name, u.kind, u.operatorRole]),
    count: memberships.length,
    again: await seedDemo(db, DEMO_PASSWORD, 0),
  };
};

describe('the demo on both databases', () => {
  it('is the same people, in the same organizations, and is written only into an empty database', async () => {
    const sqlite = await describeSqlite();
    const { url } = await freshStore('postgres');
    const hash = await hashPassword(DEMO_PASSWORD);
    // Three processes starting at once on an empty database: one seeds, under the lock.
    const stores = [1, 2, 3].map(() => openPostgres(url, { max: 2 }));
    try {
      const seeded: string[] = [];
      await Promise.all(
        stores.map(({ pool }) =>
          migratePostgres(pool, async (db) => {
            seeded.push(await seedDemoPostgres(db, hash, 0));
          }),
        ),
      );
      expect(seeded.sort()).toEqual(['not_empty', 'not_empty', 'seeded']);
      const db = stores[0]?.db;
      if (!db) throw new Error('no store');
      const people = await db.select().from(pg.users).orderBy(pg.users.id);
      const memberships = await db.select().from(pg.profiles);
      expect(people.map((u) => [u.email, u.name, u.kind, u.operatorRole])).toEqual(sqlite.people);
      expect(memberships).toHaveLength(sqlite.count);
      expect(people).toHaveLength(demoAccounts.length);
      expect(sqlite.again).toBe('not_empty');
      // A start on a database that holds people hashes nothing: argon2id is not free.
      let hashed = 0;
      const again = await seedDemoPostgres(db, async () => {
        hashed++;
        return hash;
      });
      expect([again, hashed]).toEqual(['not_empty', 0]);
    } finally {
      await Promise.all(stores.map(({ pool }) => pool.end()));
    }
  });

  it('without a password (production without one of its own) leaves an empty database empty', async () => {
    const sqlite = await freshStore('sqlite');
    expect(await seedDemo(sqlite.db, null, 0)).toBe('withheld');
    expect(sqlite.db.select().from(users).all()).toEqual([]);
    const { url } = await freshStore('postgres');
    const { db, pool } = openPostgres(url, { max: 1 });
    try {
      await migratePostgres(pool);
      expect(await seedDemoPostgres(db, null, 0)).toBe('withheld');
      expect(await db.select().from(pg.users)).toEqual([]);
      // The same call on a database with people says so, withheld or not.
      expect(await seedDemoPostgres(db, await hashPassword(DEMO_PASSWORD), 0)).toBe('seeded');
      expect(await seedDemoPostgres(db, null, 0)).toBe('not_empty');
    } finally {
      await pool.end();
    }
  });
});
