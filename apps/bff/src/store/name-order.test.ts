import { asc, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as pg from './postgres/schema.ts';
import { organizations } from './sqlite/schema/organizations.ts';
import { profiles } from './sqlite/schema/profiles.ts';
import { users } from './sqlite/schema/users.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

/**
 * Keyset pages are cut at a (name, id) cursor, so both stores must put names in one order and
 * lower them alike: byte order, ASCII letters lowered only (SQLite's own rules, and
 * PostgreSQL's "C" collation). A locale would put "émile" beside "emile" and lower "Zoë" to
 * "zoë" on PostgreSQL only, and the same cursor would then page differently.
 */
const names = [
  'Yann Old',
  'Zoë Adams',
  'émile Blanc',
  'Emile Blanc',
  'ÉMILE Blanc',
  'adam Cole',
  'Adam Cole',
];
const renamed = 'Ünal Demir';

/** What SQLite does: ASCII letters lowered, then UTF-8 bytes compared. */
const lowerAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

interface Seen {
  /** Sort names of one organization's profiles, in (sort_name, id) order. */
  sortNames: string[];
  /** Users in the Admin › Users order, lower(name) then id. */
  userNames: string[];
  /** Organization names in name order. */
  organizationNames: string[];
}

async function seedAndRead(ts: TestStore): Promise<Seen> {
  const at = 1_700_000_000_000;
  if (ts.dialect === 'sqlite') {
    const { db } = ts;
    const orgIds = names.map(
      (name) =>
        db.insert(organizations).values({ name, kind: 'company', createdAt: at }).returning().get()
          .id,
    );
    const userIds = names.map(
      (name, i) =>
        db
          .insert(users)
          .values({ email: `p${i}@example.test`, name, kind: 'customer', createdAt: at })
          .returning()
          .get().id,
    );
    for (const userId of userIds) {
      db.insert(profiles)
        .values({
          userId,
          organizationId: orgIds[0] as number,
          role: 'member',
          permissions: [],
          createdAt: at,
        })
        .run();
    }
    db.update(users)
      .set({ name: renamed })
      .where(eq(users.id, userIds[0] as number))
      .run();
    return {
      sortNames: db
        .select({ s: profiles.sortName })
        .from(profiles)
        .orderBy(asc(profiles.sortName), asc(profiles.id))
        .all()
        .map((r) => r.s),
      userNames: db
        .select({ n: users.name })
        .from(users)
        .orderBy(sql`lower(${users.name})`, asc(users.id))
        .all()
        .map((r) => r.n),
      organizationNames: db
        .select({ n: organizations.name })
        .from(organizations)
        .orderBy(asc(organizations.name))
        .all()
        .map((r) => r.n),
    };
  }
  const { db } = ts;
  const orgIds: number[] = [];
  for (const name of names) {
    const [row] = await db
      .insert(pg.organizations)
      .values({ name, kind: 'company', createdAt: at })
      .returning();
    orgIds.push(row?.id as number);
  }
  const userIds: number[] = [];
  for (const [i, name] of names.entries()) {
    const [row] = await db
      .insert(pg.users)
      .values({ email: `p${i}@example.test`, name, kind: 'customer', createdAt: at })
      .returning();
    userIds.push(row?.id as number);
  }
  for (const userId of userIds) {
    await db.insert(pg.profiles).values({
      userId,
      organizationId: orgIds[0] as number,
      role: 'member',
      permissions: [],
      createdAt: at,
    });
  }
  await db
    .update(pg.users)
    .set({ name: renamed })
    .where(eq(pg.users.id, userIds[0] as number));
  const sortNames = await db
    .select({ s: pg.profiles.sortName })
    .from(pg.profiles)
    .orderBy(asc(pg.profiles.sortName), asc(pg.profiles.id));
  const userNames = await db
    .select({ n: pg.users.name })
    .from(pg.users)
    .orderBy(sql`lower(${pg.users.name})`, asc(pg.users.id));
  const organizationNames = await db
    .select({ n: pg.organizations.name })
    .from(pg.organizations)
    .orderBy(asc(pg.organizations.name));
  return {
    sortNames: sortNames.map((r) => r.s),
    userNames: userNames.map((r) => r.n),
    organizationNames: organizationNames.map((r) => r.n),
  };
}

describe.each(dialects)('names on %s', (dialect) => {
  it('sort in byte order and lower ASCII letters only, and a renamed user’s sort name follows', async () => {
    const seen = await seedAndRead(await freshStore(dialect));
    const people = [renamed, ...names.slice(1)];
    // Ids follow the order of `people`, so a stable sort gives the (name, id) order.
    expect(seen.sortNames).toEqual(people.map(lowerAscii).sort(byteOrder));
    expect(seen.userNames).toEqual(
      [...people].sort((a, b) => byteOrder(lowerAscii(a), lowerAscii(b))),
    );
    expect(seen.organizationNames).toEqual([...names].sort(byteOrder));
    // Spelled out, so that a locale's order cannot pass for byte order: upper case before
    // lower, and accented letters after every ASCII one.
    expect(seen.sortNames).toEqual([
      'adam cole',
      'adam cole',
      'emile blanc',
      'zoë adams',
      'Émile blanc',
      'Ünal demir',
      'émile blanc',
    ]);
  });
});
