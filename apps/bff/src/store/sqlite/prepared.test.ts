import { count, eq, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../demo.ts';
import { placeholdersFor } from '../placeholders.ts';
import { migrateDatabase, openDatabase } from './client.ts';
import { direct } from './prepared.ts';
import { auditEvents } from './schema/audit-events.ts';
import { organizations } from './schema/organizations.ts';
import { profiles } from './schema/profiles.ts';
import { sessions } from './schema/sessions.ts';
import { users } from './schema/users.ts';
import { seedDemo } from './seed.ts';

/** A migrated, seeded database; `direct` must answer exactly as drizzle does on it. */
async function seeded() {
  const { db, sqlite } = openDatabase(':memory:');
  migrateDatabase(db);
  await seedDemo(db, DEMO_PASSWORD, Date.UTC(2026, 10, 2));
  const userId = (email: string) =>
    sqlite.prepare('SELECT id FROM users WHERE email = ?').pluck().get(email) as number;
  return { db, sqlite, userId };
}

const session = (id: string, userId: number | null, profileId: number | null) => ({
  id,
  tokenHash: `hash-${id}`,
  userId,
  profileId,
  method: 'password' as const,
  createdAt: 1,
  expiresAt: 2,
  lastSeenAt: 1,
  ip: null,
  userAgent: 'test',
  revokedAt: null,
  revokedReason: null,
  impersonationId: null,
});

describe('direct statements', () => {
  it('map left joins, JSON and boolean columns exactly as drizzle does, a missing row as null', async () => {
    const { db, userId } = await seeded();
    const buyer = userId('buyer@acme.test');
    const profileId = db.select().from(profiles).where(eq(profiles.userId, buyer)).get()?.id;
    db.insert(sessions)
      .values([
        session('with-profile', buyer, profileId ?? null),
        session('no-profile', buyer, null),
        session('no-user', null, null),
      ])
      .run();
    const query = db
      .select({ session: sessions, user: users, profile: profiles, organization: organizations })
      .from(sessions)
      .leftJoin(users, eq(users.id, sessions.userId))
      .leftJoin(profiles, eq(profiles.id, sessions.profileId))
      .leftJoin(organizations, eq(organizations.id, profiles.organizationId))
      .where(eq(sessions.id, sql.placeholder('id')))
      .prepare();
    const fast = direct(query);
    for (const id of ['with-profile', 'no-profile', 'no-user', 'absent']) {
      expect(fast.get({ id })).toEqual(query.get({ id }));
    }
    const full = fast.get({ id: 'with-profile' });
    // The cases above are not vacuous: JSON parsed, booleans decoded, joins present or null.
    expect(Array.isArray(full?.profile?.permissions)).toBe(true);
    expect(typeof full?.organization?.impersonationEnabled).toBe('boolean');
    expect(fast.get({ id: 'no-profile' })).toMatchObject({ profile: null, organization: null });
    expect(fast.get({ id: 'no-user' })).toMatchObject({ user: null });
    expect(fast.get({ id: 'absent' })).toBeUndefined();
  });

  it('map aliased tables, top-level expressions and many rows as drizzle does', async () => {
    const { db } = await seeded();
    const owner = alias(users, 'owner');
    const query = db
      .select({ profile: profiles, owner, members: count(profiles.id), name: organizations.name })
      .from(profiles)
      .innerJoin(owner, eq(owner.id, profiles.userId))
      .innerJoin(organizations, eq(organizations.id, profiles.organizationId))
      .where(eq(organizations.kind, sql.placeholder('kind')))
      .groupBy(profiles.id)
      .prepare();
    const rows = direct(query).all({ kind: 'company' });
    expect(rows.length).toBeGreaterThan(1);
    expect(rows).toEqual(query.all({ kind: 'company' }));
  });

  it('encode JSON on insert as drizzle does, and refuse a missing value', async () => {
    const { db, sqlite } = await seeded();
    const columns = ['at', 'type', 'details', 'prevHash', 'hash'] as const;
    const insert = direct(db.insert(auditEvents).values(placeholdersFor(columns)).prepare());
    const event = { at: 5, type: 'auth.signed_out', prevHash: 'p', hash: 'h' } as const;
    insert.run({ ...event, details: { door: 'team', n: 1 } });
    const stored = sqlite
      .prepare('SELECT details FROM audit_events ORDER BY id DESC LIMIT 1')
      .pluck()
      .get();
    expect(stored).toBe('{"door":"team","n":1}');
    expect(() => insert.run(event)).toThrow('No value for placeholder "details"');
  });
});
