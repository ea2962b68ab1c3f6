import { profileRolePresets } from '@onbehalf/contracts/permissions';
import type { Pool } from 'pg';
import { describe, expect, it } from 'vitest';
import { FEW_MATCHES } from '../features/team/team.store.ts';
import type { UpdateUser, UsersPage } from '../features/users/users.store.ts';
import * as pg from './postgres/schema.ts';
import { costOf, statementsSentBy } from './postgres/test-round-trips.ts';
import { impersonations } from './sqlite/schema/impersonations.ts';
import type { Store } from './store.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, insertRow, linked, operator, rowsOf } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const T0 = 1_700_000_000_000;
const MINUTE = 60_000;
const meta = { ip: '127.0.0.1', userAgent: 'test', requestId: 'r-1' };

async function organization(ts: TestStore, name: string) {
  return insertRow(ts, 'organizations', {
    name,
    kind: 'company',
    impersonationEnabled: true,
    createdAt: 0,
  });
}

async function person(ts: TestStore, name: string, email: string, organizationId?: number) {
  const user = await insertRow(ts, 'users', {
    email,
    name,
    kind: 'customer',
    passwordHash: 'hash-1',
    createdAt: 0,
  });
  const profile =
    organizationId === undefined
      ? undefined
      : await insertRow(ts, 'profiles', {
          userId: user.id,
          organizationId,
          role: 'member',
          permissions: ['orders:read'],
          createdAt: 0,
        });
  return { user, profile };
}

/** Every page of a search, `limit` at a time, as the service reads them. */
async function allPages(store: Store, page: Omit<UsersPage, 'after'>) {
  const names: string[] = [];
  let after: UsersPage['after'];
  for (let pages = 0; pages < 50; pages++) {
    const rows = await store.users.search({ ...page, after });
    const items = rows.slice(0, page.limit);
    names.push(...items.map((r) => r.user.name));
    const last = items.at(-1);
    if (rows.length <= page.limit || !last) return names;
    after = [last.sortName, last.user.id];
  }
  throw new Error(`Paging did not end: ${names.join(', ')}`);
}

async function insertImpersonation(ts: TestStore, values: typeof impersonations.$inferInsert) {
  if (ts.dialect === 'sqlite') ts.db.insert(impersonations).values(values).run();
  else await ts.db.insert(pg.impersonations).values(values);
}

async function impersonationRows(ts: TestStore) {
  if (ts.dialect === 'sqlite') return ts.db.select().from(impersonations).all();
  return ts.db.select().from(pg.impersonations);
}

async function session(ts: TestStore, id: string, userId: number, impersonationId?: string) {
  return insertRow(ts, 'sessions', {
    id,
    tokenHash: `hash-of-${id}`,
    userId,
    profileId: null,
    method: impersonationId ? 'impersonation' : 'password',
    createdAt: T0,
    expiresAt: T0 + 60 * MINUTE,
    lastSeenAt: T0,
    impersonationId: impersonationId ?? null,
  });
}

const names = [
  'bob',
  'Émile',
  'alice',
  'Zoë',
  'Alice',
  'émile',
  'carol',
  'Bob',
  'dave',
  'Ärger',
  'zed',
];

describe.each(dialects)('users on %s', (dialect) => {
  it('lists everyone in lower-cased byte order, then id, and pages cut at the same places', async () => {
    const ts = await freshStore(dialect);
    for (const [i, name] of names.entries()) await person(ts, name, `p${i}@example.test`);
    const everyone = await allPages(ts.store, { limit: 100 });
    // lower() changes ASCII letters only and names compare byte by byte, on either store.
    expect(everyone).toEqual([
      'alice',
      'Alice',
      'bob',
      'Bob',
      'carol',
      'dave',
      'zed',
      'Zoë',
      'Ärger',
      'Émile',
      'émile',
    ]);
    for (const limit of [1, 2, 3]) {
      expect(await allPages(ts.store, { limit })).toEqual(everyone);
    }
    const first = await ts.store.users.search({ limit: 2 });
    expect(first.slice(0, 2).map((r) => r.sortName)).toEqual(['alice', 'alice']);
    expect(first).toHaveLength(3);
    // The first PostgreSQL test of a file waits for its throwaway server to start.
  }, 60_000);

  it("finds people by every word's start in name or email, or by their organization's name", async () => {
    const ts = await freshStore(dialect);
    const acme = await organization(ts, 'Acme Tools');
    const globex = await organization(ts, 'Globex 100%');
    await person(ts, 'Jane Doe', 'jane.doe@acme.test', acme.id);
    await person(ts, 'John Doe', 'john@globex.test', globex.id);
    await person(ts, 'Janet Smith', 'smith@example.test', globex.id);
    await person(ts, 'Nobody', 'nobody@example.test');

    const found = (query: string, organizationIds?: number[]) =>
      allPages(ts.store, { query, limit: 2, organizationIds });
    expect(await found('jan')).toEqual(['Jane Doe', 'Janet Smith']);
    expect(await found('doe jan')).toEqual(['Jane Doe']);
    expect(await found('globex')).toEqual(['Janet Smith', 'John Doe']);
    expect(await found('ACME')).toEqual(['Jane Doe']);
    expect(await found('example')).toEqual(['Janet Smith', 'Nobody']);
    expect(await found('100%')).toEqual(['Janet Smith', 'John Doe']);
    expect(await found('%')).toEqual(['Janet Smith', 'John Doe']);
    expect(await found('oe')).toEqual([]);
    expect(await found('jan', [acme.id])).toEqual(['Jane Doe']);
    expect(await found('', [globex.id])).toEqual(['Janet Smith', 'John Doe']);
    expect(await found('', [])).toEqual([]);
  });

  it("finds a limited caller's people by its own organizations' names, never by another's", async () => {
    const ts = await freshStore(dialect);
    const acme = await organization(ts, 'Acme Corp');
    const globex = await organization(ts, 'Globex Inc');
    // Jane works for both; the caller limited to Globex may not learn it.
    const jane = await person(ts, 'Jane Doe', 'jane@example.test', globex.id);
    await insertRow(ts, 'profiles', {
      userId: jane.user.id,
      organizationId: acme.id,
      role: 'member',
      permissions: ['orders:read'],
      createdAt: 0,
    });
    await person(ts, 'John Roe', 'john@example.test', globex.id);

    const found = (query: string, organizationIds?: number[]) =>
      allPages(ts.store, { query, limit: 2, organizationIds });
    // Another organization's name finds nobody, as a name no organization has.
    expect(await found('Corp', [globex.id])).toEqual([]);
    expect(await found('Acme', [globex.id])).toEqual([]);
    expect(await found('Initech', [globex.id])).toEqual([]);
    // Its own organizations' names find its people, and their names and emails still do.
    expect(await found('Globex', [globex.id])).toEqual(['Jane Doe', 'John Roe']);
    expect(await found('Corp', [acme.id, globex.id])).toEqual(['Jane Doe']);
    expect(await found('jane', [globex.id])).toEqual(['Jane Doe']);
    // A caller limited to no organization: everyone, by any organization's name.
    expect(await found('Corp')).toEqual(['Jane Doe']);
  });

  it('reads profiles with their organizations, organizations by name, and rows by id', async () => {
    const ts = await freshStore(dialect);
    const zeta = await organization(ts, 'Zeta');
    const alpha = await organization(ts, 'alpha');
    const beta = await organization(ts, 'Beta');
    const jane = await person(ts, 'Jane', 'jane@example.test', zeta.id);
    const alsoAlpha = await insertRow(ts, 'profiles', {
      userId: jane.user.id,
      organizationId: alpha.id,
      role: 'admin',
      permissions: [],
      createdAt: 0,
    });
    const other = await person(ts, 'Other', 'other@example.test', beta.id);

    const profiles = await ts.store.users.profilesOf([jane.user.id]);
    expect(profiles.map((p) => [p.organization.name, p.profile.id])).toEqual([
      ['Zeta', jane.profile?.id],
      ['alpha', alsoAlpha.id],
    ]);
    expect(await ts.store.users.profilesOf([])).toEqual([]);
    expect((await ts.store.users.organizations(undefined, 50)).map((o) => o.name)).toEqual([
      'Beta',
      'Zeta',
      'alpha',
    ]);
    expect((await ts.store.users.organizations(undefined, 2)).map((o) => o.name)).toEqual([
      'Beta',
      'Zeta',
    ]);
    expect((await ts.store.users.organizations(' ETA ', 50)).map((o) => o.name)).toEqual([
      'Beta',
      'Zeta',
    ]);
    expect((await ts.store.users.userById(other.user.id))?.email).toBe('other@example.test');
    expect(await ts.store.users.userById(2 ** 40)).toBeUndefined();
    const found = await ts.store.users.profileWithUser(alsoAlpha.id);
    expect([found?.profile.role, found?.user.id]).toEqual(['admin', jane.user.id]);
    expect(await ts.store.users.profileWithUser(2 ** 40)).toBeUndefined();
  });

  it('disabling ends sessions, impersonations by and of the user, and what was made for and by them, audited', async () => {
    const ts = await freshStore(dialect);
    const acme = await organization(ts, 'acme');
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const support = await operator(ts, 'support@onbehalf.test', 'support');
    const jane = await person(ts, 'Jane', 'jane@acme.test', acme.id);
    await session(ts, 'support-session', support.id);
    await session(ts, 'root-session', root.id);
    await session(ts, 'as-jane', jane.user.id, 'imp-1');
    await insertImpersonation(ts, {
      id: 'imp-1',
      door: 'operator',
      actorUserId: support.id,
      actorSessionId: 'support-session',
      targetUserId: jane.user.id,
      targetProfileId: jane.profile?.id ?? null,
      organizationId: acme.id,
      handoffTokenHash: 'handoff-1',
      handoffExpiresAt: T0 + MINUTE,
      handoffUsedAt: T0,
      sessionId: 'as-jane',
      issuedAt: T0,
      startedAt: T0,
      endsAt: T0 + 60 * MINUTE,
    });
    await insertRow(ts, 'oneClickLinks', {
      id: 'made-by-support',
      userId: jane.user.id,
      secretHash: 'link-hash',
      credentialFingerprint: 'fp',
      createdByUserId: support.id,
      createdAt: T0,
      expiresAt: T0 + 60 * MINUTE,
    });
    await insertRow(ts, 'apiKeys', {
      id: 'key-1',
      name: 'ERP',
      secretHash: 'key-hash',
      scopes: ['one-click-links:create'],
      organizationIds: [acme.id],
      createdAt: T0,
      createdByUserId: support.id,
      expiresAt: T0 + 60 * MINUTE,
    });

    const outcome = await ts.store.users.updateUser({
      ...disable(support.id, root.id),
      before: { status: 'active', operatorRole: 'support' },
      after: { status: 'disabled', operatorRole: 'support' },
    });

    expect(outcome).toBe('updated');
    const user = (await rowsOf(ts, 'users')).find((u) => u.id === support.id);
    expect(user?.status).toBe('disabled');
    const sessions = new Map((await rowsOf(ts, 'sessions')).map((s) => [s.id, s]));
    expect(sessions.get('support-session')).toMatchObject({
      revokedAt: T0,
      revokedReason: 'user_disabled',
    });
    expect(sessions.get('root-session')?.revokedAt).toBeNull();
    expect((await impersonationRows(ts))[0]).toMatchObject({
      endedAt: T0,
      endReason: 'actor_lost_permission',
    });
    expect((await rowsOf(ts, 'oneClickLinks'))[0]).toMatchObject({
      revokedAt: T0,
      revokedReason: 'maker_lost_right',
    });
    expect((await rowsOf(ts, 'apiKeys'))[0]?.revokedAt).toBe(T0);
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['impersonation.ended', 'user.updated']);
    expect(trail[1]).toMatchObject({
      actorUserId: root.id,
      details: { before: { status: 'active' }, after: { status: 'disabled' } },
    });
    expect(linked(trail)).toBe(true);
  });

  it('an operator who loses a right loses what they made, and nothing else ends', async () => {
    const ts = await freshStore(dialect);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const admin = await operator(ts, 'admin@onbehalf.test', 'admin');
    const jane = await person(ts, 'Jane', 'jane@example.test');
    await session(ts, 'admin-session', admin.id);
    await insertRow(ts, 'oneClickLinks', {
      id: 'made-by-admin',
      userId: jane.user.id,
      secretHash: 'link-hash',
      credentialFingerprint: 'fp',
      createdByUserId: admin.id,
      createdAt: T0,
      expiresAt: T0 + 60 * MINUTE,
    });
    const outcome = await ts.store.users.updateUser({
      userId: admin.id,
      before: { status: 'active', operatorRole: 'admin' },
      after: { status: 'active', operatorRole: 'support' },
      disabled: false,
      endCredentialsMade: ['one_click', 'login_token'],
      audit: { type: 'user.updated', at: T0, actor: { userId: root.id, kind: 'operator' } },
      now: T0,
      meta,
    });
    expect(outcome).toBe('updated');
    expect((await rowsOf(ts, 'users')).find((u) => u.id === admin.id)?.operatorRole).toBe(
      'support',
    );
    expect((await rowsOf(ts, 'sessions'))[0]?.revokedAt).toBeNull();
    expect((await rowsOf(ts, 'oneClickLinks'))[0]?.revokedReason).toBe('maker_lost_right');
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['user.updated']);
  });

  it('an update decided from a standing the user no longer has loses, writing nothing', async () => {
    const ts = await freshStore(dialect);
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const jane = await person(ts, 'Jane', 'jane@example.test');
    await session(ts, 'jane-session', jane.user.id);
    expect(await ts.store.users.updateUser(disable(jane.user.id, root.id))).toBe('updated');
    await session(ts, 'jane-later', jane.user.id);
    expect(await ts.store.users.updateUser(disable(jane.user.id, root.id))).toBe('lost_race');
    const later = (await rowsOf(ts, 'sessions')).find((s) => s.id === 'jane-later');
    expect(later?.revokedAt).toBeNull();
    expect((await auditTrail(ts)).map((e) => e.type)).toEqual(['user.updated']);
    // A null role is a standing too: an operator role set meanwhile makes it lose.
    expect(
      await ts.store.users.updateUser({
        ...disable(jane.user.id, root.id),
        before: { status: 'disabled', operatorRole: 'support' },
        after: { status: 'active', operatorRole: 'support' },
        disabled: false,
      }),
    ).toBe('lost_race');
  });

  it("a profile's role changes with its permissions and audit; a stale one loses", async () => {
    const ts = await freshStore(dialect);
    const acme = await organization(ts, 'acme');
    const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
    const jane = await person(ts, 'Jane', 'jane@acme.test', acme.id);
    const profileId = jane.profile?.id ?? 0;
    const toAdmin = setRole(profileId, root.id, acme.id);
    expect(await ts.store.users.setProfileRole(toAdmin)).toBe('updated');
    expect(await ts.store.users.setProfileRole(toAdmin)).toBe('lost_race');
    const profile = (await rowsOf(ts, 'profiles')).find((p) => p.id === profileId);
    expect(profile).toMatchObject({ role: 'admin', permissions: [...profileRolePresets.admin] });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.type)).toEqual(['team.member_updated']);
    expect(trail[0]).toMatchObject({
      actorUserId: root.id,
      organizationId: acme.id,
      details: { profileId, after: { role: 'admin' } },
    });
  });

  if (dialect === 'postgres') {
    it('of updates from one standing on several processes, exactly one wins', async () => {
      const ts = await freshStore('postgres');
      const acme = await organization(ts, 'acme');
      const root = await operator(ts, 'root@onbehalf.test', 'superadmin');
      const jane = await person(ts, 'Jane', 'jane@acme.test', acme.id);
      const profileId = jane.profile?.id ?? 0;
      const outcomes = await onSeveralProcesses(ts, 4, (stores) =>
        Promise.all(
          stores.flatMap((store) => [
            store.users.updateUser(disable(jane.user.id, root.id)),
            store.users.setProfileRole(setRole(profileId, root.id, acme.id)),
          ]),
        ),
      );
      const disables = outcomes.filter((_, i) => i % 2 === 0);
      const roles = outcomes.filter((_, i) => i % 2 === 1);
      expect(disables.filter((o) => o === 'updated')).toHaveLength(1);
      expect(roles.filter((o) => o === 'updated')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'lost_race')).toHaveLength(6);
      const trail = await auditTrail(ts);
      expect(trail.map((e) => e.type).sort()).toEqual(['team.member_updated', 'user.updated']);
      expect(linked(trail)).toBe(true);
    });
  }
});

describe('people pages on PostgreSQL', () => {
  it('read about a thousand people at most, whatever is searched and in whichever organizations', async () => {
    const ts = await freshStore('postgres');
    const pool = ts.db.$client as Pool;
    // 20,000 people: Load Corp has 19,990, Tiny Co 3, and everyone's email holds "load".
    const [load, tiny] = (
      await pool.query<{ id: number }>(
        `INSERT INTO organizations (name, kind, created_at) VALUES ('Load Corp', 'company', 0), ('Tiny Co', 'company', 0) RETURNING id`,
      )
    ).rows.map((row) => row.id);
    await pool.query(
      `INSERT INTO users (email, name, kind, created_at)
       SELECT 'member-' || n || '@load.test', 'Person ' || n, 'customer', 0
       FROM generate_series(1, 20000) n`,
    );
    await pool.query(
      `INSERT INTO profiles (user_id, organization_id, role, permissions, created_at)
       SELECT id, CASE WHEN id <= 3 THEN $2::int WHEN id <= 19993 THEN $1::int END, 'member', '[]', 0
       FROM users WHERE id <= 19993`,
      [load, tiny],
    );
    await pool.query('ANALYZE');

    const searches: [string | undefined, number[] | undefined][] = [
      ['person', undefined],
      ['load', undefined],
      ['member 1234', undefined],
      ['nobody', undefined],
      ['corp', undefined],
      [undefined, [tiny as number]],
      ['load', [tiny as number]],
      ['corp', [tiny as number]],
      ['person', [load as number]],
      ['nobody', [load as number]],
      // Several words that everyone has: PostgreSQL thought they found almost no one, and took
      // every match from the full-text index to sort them for one page (ADR 034).
      ['member load test person', undefined],
      ['member load test person', [load as number]],
      ['pers perso person memb', [load as number]],
      [undefined, [load as number, tiny as number]],
    ];
    for (const [text, organizationIds] of searches) {
      const { texts, values } = await statementsSentBy(ts, async (store) => {
        await store.users.search({ limit: 50, query: text, organizationIds });
        await store.loginTokens.searchSubjects(text ?? '', organizationIds, 20);
        await store.team.members(load as number, { query: text, limit: 50 });
      });
      const asked = JSON.stringify([text, organizationIds]);
      expect(texts.length, asked).toBeGreaterThan(0);
      for (const [i, statement] of texts.entries()) {
        // The few counted and read (FEW_MATCHES + 1), or a page walked in name order.
        const cost = await costOf(pool, statement, values[i] ?? []);
        const said = `${asked}: ${statement.slice(0, 300)}`;
        expect(cost.lookedUp, said).toBeLessThanOrEqual(FEW_MATCHES + 100);
        // Each person's words are stored (migration 0011): a walk tests them, computing none.
        expect(cost.wordsComputed, said).toBe(0);
      }
    }
  }, 60_000);

  it('a team search that many match walks the members by their index, looking up only the page', async () => {
    const ts = await freshStore('postgres');
    const pool = ts.db.$client as Pool;
    const [org] = (
      await pool.query<{ id: number }>(
        `INSERT INTO organizations (name, kind, created_at) VALUES ('Load Corp', 'company', 0) RETURNING id`,
      )
    ).rows.map((row) => row.id);
    // More Zeds than are few, all after 4,000 others in name order: the walk passes those.
    const zeds = FEW_MATCHES + 200;
    await pool.query(
      `INSERT INTO users (email, name, kind, created_at)
       SELECT 'member-' || n || '@load.test', CASE WHEN n <= 4000 THEN 'Person ' ELSE 'Zed ' END || n, 'customer', 0
       FROM generate_series(1, 4000 + $1::int) n`,
      [zeds],
    );
    await pool.query(
      `INSERT INTO profiles (user_id, organization_id, role, permissions, created_at)
       SELECT id, $1::int, 'member', '[]', 0 FROM users`,
      [org],
    );
    await pool.query('VACUUM ANALYZE');
    const { texts, values } = await statementsSentBy(ts, async (store) => {
      const page = await store.team.members(org as number, { query: 'zed', limit: 50 });
      expect(page).toHaveLength(51);
      expect(page.every((row) => row.user.name.startsWith('Zed '))).toBe(true);
    });
    const walk = texts.findIndex((text) => text.includes('"profiles"."words"'));
    expect(walk, texts.join('\n')).toBeGreaterThanOrEqual(0);
    const cost = await costOf(pool, texts[walk] as string, values[walk] ?? []);
    // Each member passed is tested on the words the profile carries (migration 0012), in the
    // index walked; only the page's own people are looked up. Before, every one passed was.
    expect(cost.lookedUpIn.users ?? 0, JSON.stringify(cost)).toBeLessThanOrEqual(51);
    expect(cost.wordsComputed).toBe(0);
  }, 60_000);

  it('find people of any number of organizations a search names, as many as there are', async () => {
    const ts = await freshStore('postgres');
    const pool = ts.db.$client as Pool;
    // A personal organization per customer: 70,000 organizations whose names hold "home", more
    // than a statement may have parameters.
    await pool.query(
      `INSERT INTO organizations (name, kind, created_at)
       SELECT 'Home of ' || n, 'personal', 0 FROM generate_series(1, 70000) n`,
    );
    await pool.query(
      `INSERT INTO users (email, name, kind, created_at) VALUES ('ann@home.test', 'Ann', 'customer', 0)`,
    );
    await pool.query(
      `INSERT INTO profiles (user_id, organization_id, role, permissions, created_at)
       SELECT u.id, o.id, 'owner', '[]', 0 FROM users u, organizations o
       WHERE u.email = 'ann@home.test' AND o.name = 'Home of 7'`,
    );
    const found = await ts.store.users.search({ query: 'home', limit: 10 });
    expect(found.map((row) => row.user.name)).toEqual(['Ann']);
    const ofSeven = await ts.store.users.search({ query: 'of 7', limit: 10 });
    expect(ofSeven.map((row) => row.user.name)).toEqual(['Ann']);
  }, 60_000);
});

function disable(userId: number, byId: number): UpdateUser {
  return {
    userId,
    before: { status: 'active', operatorRole: null },
    after: { status: 'disabled', operatorRole: null },
    disabled: true,
    endCredentialsMade: ['one_click', 'login_token', 'api_key'],
    audit: {
      type: 'user.updated',
      at: T0,
      actor: { userId: byId, kind: 'operator' },
      subjectUserId: userId,
      reason: 'left the company',
      details: {
        before: { status: 'active', operatorRole: null },
        after: { status: 'disabled', operatorRole: null },
      },
    },
    now: T0,
    meta,
  };
}

function setRole(profileId: number, byId: number, organizationId: number) {
  return {
    profileId,
    beforeRole: 'member' as const,
    beforePermissions: ['orders:read' as const],
    role: 'admin' as const,
    permissions: [...profileRolePresets.admin],
    audit: {
      type: 'team.member_updated' as const,
      at: T0,
      actor: { userId: byId, kind: 'operator' as const },
      organizationId,
      reason: 'promoted',
      details: { profileId, after: { role: 'admin' } },
    },
    now: T0,
    meta,
  };
}
