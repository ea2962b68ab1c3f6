import { beforeEach, describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, pageOf } from '../../lib/pagination.ts';
import { mintSession } from '../../lib/sessions.ts';
import { ftsQuery } from '../../store/sqlite/search.ts';
import { memberPageSql } from '../../store/sqlite/team.store.ts';
import { createTestApp, demoIds, refusal, type TestApp } from '../../test/harness.ts';
import { FEW_MATCHES, type MemberPage } from './team.store.ts';

describe('keyset cursors', () => {
  it('round-trip their key and refuse anything else with a 400 naming the cursor', () => {
    const cursor = encodeCursor(['jane doe', 42]);
    expect(decodeCursor(cursor, ['string', 'number'] as const)).toEqual(['jane doe', 42]);
    for (const bad of ['', 'not base64 json', encodeCursor([42, 'jane']), encodeCursor(['x'])]) {
      expect(() => decodeCursor(bad, ['string', 'number'] as const)).toThrow(
        expect.objectContaining({ code: 'validation_failed' }),
      );
    }
    expect(decodeCursor(undefined, ['number'] as const)).toBeUndefined();
  });

  it('a page of limit + 1 rows keeps limit and names where it ended', () => {
    const rows = [1, 2, 3, 4];
    expect(pageOf(rows, 3, (n) => [n])).toEqual({
      items: [1, 2, 3],
      nextCursor: encodeCursor([3]),
    });
    expect(pageOf(rows, 4, (n) => [n])).toEqual({ items: rows, nextCursor: null });
  });
});

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
});

/** Adds members to Acme straight into the database: the triggers keep names and search. */
function addAcmeMembers(count: number) {
  const acme = ids.organizationId('Acme Corp');
  const user = t.sqlite.prepare(
    `INSERT INTO users (email, name, kind, status, created_at) VALUES (?, ?, 'customer', 'active', 0)`,
  );
  const profile = t.sqlite.prepare(
    `INSERT INTO profiles (user_id, organization_id, role, permissions, created_at)
     VALUES (?, ?, 'member', '["orders:read"]', 0)`,
  );
  t.sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const name = `Member ${String(i).padStart(4, '0')} ${i % 7 === 0 ? 'Quartermaster' : 'Clerk'}`;
      const { lastInsertRowid } = user.run(`m${i}@acme.test`, name);
      profile.run(lastInsertRowid, acme);
    }
  })();
}

/** Adds one member to Acme with this name and email. */
function addNamed(name: string, email: string) {
  const { lastInsertRowid } = t.sqlite
    .prepare(
      `INSERT INTO users (email, name, kind, status, created_at) VALUES (?, ?, 'customer', 'active', 0)`,
    )
    .run(email, name);
  t.sqlite
    .prepare(
      `INSERT INTO profiles (user_id, organization_id, role, permissions, created_at)
       VALUES (?, ?, 'member', '["orders:read"]', 0)`,
    )
    .run(lastInsertRowid, ids.organizationId('Acme Corp'));
}

/** SQLite's plan for the statement a team page would run, one line per step. */
function planOf(organizationId: number, page: MemberPage) {
  const { sql, params } = memberPageSql(t.db, organizationId, page);
  return (t.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');
}

/** Follows nextCursor to the end, collecting what each page holds. */
async function everyPage<P extends { nextCursor: string | null }>(
  read: (cursor?: string) => Promise<P>,
) {
  const pages: P[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await read(cursor);
    pages.push(page);
    if (page.nextCursor === null) return pages;
    cursor = page.nextCursor;
  }
  throw new Error('the cursor never ended');
}

describe('every list is a bounded, searchable page', () => {
  it('the team pages in name order, 100 at most, and every member appears once', async () => {
    addAcmeMembers(250);
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const pages = await everyPage((cursor) => owner.team.members({ limit: 100, cursor }));
    expect(pages.map((p) => p.members.length)).toEqual([100, 100, 54]);
    const names = pages.flatMap((p) => p.members.map((m) => m.name.toLowerCase()));
    expect(names).toEqual([...names].sort());
    expect(new Set(pages.flatMap((p) => p.members.map((m) => m.profileId))).size).toBe(254);

    const found = await owner.team.members({ query: 'quarter', limit: 100 });
    expect(found.members).toHaveLength(36);
    const byEmail = await owner.team.members({ query: 'm17@acme' });
    expect(byEmail.members.map((m) => m.email)).toContain('m17@acme.test');

    await expect(owner.team.members({ limit: 101 })).rejects.toMatchObject({ status: 400 });
    const forged = await refusal(owner.team.members({ cursor: 'abc' }));
    expect(forged.status).toBe(400);
    expect(forged.issues[0]?.path).toBe('cursor');
  });

  it('a team page is an index walk, never a sort of the whole organization', async () => {
    addAcmeMembers(1100);
    t.sqlite.exec('ANALYZE');
    const acme = ids.organizationId('Acme Corp');
    for (const page of [
      { limit: 50 },
      { limit: 50, after: ['member 0010', 1] as const },
      // A broad search (~940 clerks and every "m…@acme.test" email) walks the name index too.
      { limit: 50, query: 'm' },
      { limit: 50, query: 'm', after: ['member 0010', 1] as const },
    ]) {
      const plan = planOf(acme, page);
      expect(plan, JSON.stringify(page)).toMatch(/profiles_org_name_idx/);
      expect(plan, JSON.stringify(page)).not.toMatch(/TEMP B-TREE|SCAN profiles/);
    }
  });

  it('a narrow search is read from its matches, never by walking the organization', async () => {
    addAcmeMembers(1100);
    t.sqlite.exec('ANALYZE');
    const acme = ids.organizationId('Acme Corp');
    for (const page of [
      { limit: 50, query: 'Member 0421' },
      { limit: 50, query: 'quartermaster', after: ['member 0010', 1] as const },
    ]) {
      const plan = planOf(acme, page);
      // The FTS matches drive; each is one lookup by (user, organization); only they are sorted.
      expect(plan, JSON.stringify(page)).toMatch(/^.*users_fts.*\|.*profiles_user_org_unique/);
      expect(plan, JSON.stringify(page)).not.toMatch(/profiles_org_name_idx|SCAN profiles/);
    }
  });

  it('a search answers what the whole organization holds, page after page, narrow or broad', async () => {
    addAcmeMembers(1400);
    // Namesakes: the profile id orders them, and a page boundary may fall between them.
    for (let i = 0; i < 5; i++) addNamed(`Quartermaster Twin`, `twin${i}@acme.test`);
    const acme = ids.organizationId('Acme Corp');
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    // Every member matching, in name order, read the plain way: all of the organization.
    const everyMatch = (query: string) =>
      (
        t.sqlite
          .prepare(
            `SELECT p.id FROM profiles p WHERE p.organization_id = ? AND p.user_id IN
               (SELECT rowid FROM users_fts WHERE users_fts MATCH ?)
             ORDER BY p.sort_name, p.id`,
          )
          .all(acme, ftsQuery(query)) as { id: number }[]
      ).map((r) => r.id);
    for (const [query, way] of [
      ['quartermaster', 'fromMatches'],
      ['quarter twin', 'fromMatches'],
      ['clerk', 'byName'],
      ['acme', 'byName'],
    ] as const) {
      expect(memberPageSql(t.db, acme, { limit: 37, query }).way, query).toBe(way);
      const pages = await everyPage((cursor) => owner.team.members({ query, limit: 37, cursor }));
      const expected = everyMatch(query);
      expect(pages.length, query).toBe(Math.ceil(expected.length / 37));
      expect(
        pages.flatMap((p) => p.members.map((m) => m.profileId)),
        query,
      ).toEqual(expected);
    }
    expect(everyMatch('quartermaster').length).toBeLessThanOrEqual(FEW_MATCHES);
    expect(everyMatch('clerk').length).toBeGreaterThan(FEW_MATCHES);
    expect((await owner.team.members({ query: 'nobody-is-called-this' })).members).toEqual([]);
  });

  it('the profile chooser lists my profiles, then pages the coworkers I may sign in as', async () => {
    addAcmeMembers(120);
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const first = await admin.profiles.list({ limit: 50 });
    expect(first.Profiles.filter((p) => p.IsOwn)).toHaveLength(1);
    expect(first.Profiles).toHaveLength(51);
    expect(first.nextCursor).not.toBeNull();
    const second = await admin.profiles.list({ limit: 50, cursor: first.nextCursor ?? undefined });
    expect(second.Profiles.some((p) => p.IsOwn)).toBe(false);
    expect(second.Profiles).toHaveLength(50);
    const found = await admin.profiles.list({ query: 'buyer' });
    const coworkers = found.Profiles.filter((p) => !p.IsOwn);
    expect(coworkers.map((p) => p.Email)).toEqual(['buyer@acme.test']);
  });

  it('sessions page newest first', async () => {
    const buyer = t.client((await t.signIn('buyer@acme.test')).token);
    t.db.transaction((tx) => {
      for (let i = 0; i < 120; i++) {
        t.clock.advance(1);
        mintSession(tx, {
          userId: ids.userId('buyer@acme.test'),
          profileId: ids.profileId('buyer@acme.test'),
          method: 'password',
          now: t.clock.now(),
          meta: { ip: null, userAgent: null, requestId: null },
        });
      }
    });
    const pages = await everyPage((cursor) => buyer.auth.sessions({ cursor }));
    expect(pages.map((p) => p.sessions.length)).toEqual([50, 50, 21]);
    const all = pages.flatMap((p) => p.sessions.map((s) => s.id));
    expect(all).toEqual([...all].sort().reverse());
  });

  it('Admin › Users, login tokens and the outbox page too', async () => {
    addAcmeMembers(130);
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    const users = await everyPage((cursor) => ops.sys.users({ limit: 100, cursor }));
    expect(users.flatMap((p) => p.users)).toHaveLength(138);
    const byOrganization = await ops.sys.users({ query: 'globex' });
    expect(byOrganization.users.map((u) => u.email)).toEqual(['member@acme.test']);

    for (let i = 0; i < 60; i++) {
      await ops.loginTokens.create({
        subject: { type: 'anonymous' },
        expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      });
      await ops.sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') });
    }
    const tokens = await everyPage((cursor) => ops.loginTokens.list({ cursor }));
    expect(tokens.map((p) => p.tokens.length)).toEqual([50, 10]);
    const outbox = await everyPage((cursor) => ops.sys.outbox({ limit: 40, cursor }));
    expect(outbox.map((p) => p.messages.length)).toEqual([40, 20]);
  });
});
