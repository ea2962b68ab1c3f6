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
  await seedDemo(db, 0);
  const people = db.select().from(users).all();
  const memberships = db.select().from(profiles).all();
  return {
    people: people.map((u) => [u.email, u.name, u.kind, u.operatorRole]),
    count: memberships.length,
    again: await seedDemo(db, 0),
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
      const seeded: boolean[] = [];
      await Promise.all(
        stores.map(({ pool }) =>
          migratePostgres(pool, async (db) => {
            seeded.push(await seedDemoPostgres(db, hash, 0));
          }),
        ),
      );
      expect(seeded.filter(Boolean)).toHaveLength(1);
      const db = stores[0]?.db;
      if (!db) throw new Error('no store');
      const people = await db.select().from(pg.users).orderBy(pg.users.id);
      const memberships = await db.select().from(pg.profiles);
      expect(people.map((u) => [u.email, u.name, u.kind, u.operatorRole])).toEqual(sqlite.people);
      expect(memberships).toHaveLength(sqlite.count);
      expect(people).toHaveLength(demoAccounts.length);
      expect(sqlite.again).toBe(false);
      // A start on a database that holds people hashes nothing: argon2id is not free.
      let hashed = 0;
      const again = await seedDemoPostgres(db, async () => {
        hashed++;
        return hash;
      });
      expect([again, hashed]).toEqual([false, 0]);
    } finally {
      await Promise.all(stores.map(({ pool }) => pool.end()));
    }
  });
});
