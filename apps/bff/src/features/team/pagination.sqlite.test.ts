import { beforeEach, describe, expect, it } from 'vitest';
import { ftsQuery } from '../../store/sqlite/search.ts';
import { memberPageSql } from '../../store/sqlite/team.store.ts';
import { addMembers, everyPage, numberedPeople } from '../../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';
import { queryPlan } from '../../test/query-plan.ts';
import { FEW_MATCHES, type MemberPage } from './team.store.ts';

/**
 * What needs SQLite itself: the plans it makes for a team page (its index, its FTS table) and
 * search answers held to a plain FTS query over the whole organization.
 */

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
});

/** Adds members to Acme straight into the database: the triggers keep names and search. */
async function addAcmeMembers(count: number) {
  await addMembers(t.ts, ids.organizationId('Acme Corp'), numberedPeople(count, 'acme.test'));
}

/** SQLite's plan for the statement a team page would run, one line per step. */
function planOf(organizationId: number, page: MemberPage) {
  const { sql, params } = memberPageSql(t.db, organizationId, page);
  return queryPlan(t.sqlite, sql, params);
}

describe('every list is a bounded, searchable page', () => {
  it('a team page is an index walk, never a sort of the whole organization', async () => {
    await addAcmeMembers(1100);
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
    await addAcmeMembers(1100);
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
    await addAcmeMembers(1400);
    // Namesakes: the profile id orders them, and a page boundary may fall between them.
    await addMembers(
      t.ts,
      ids.organizationId('Acme Corp'),
      Array.from({ length: 5 }, (_, i) => ({
        name: 'Quartermaster Twin',
        email: `twin${i}@acme.test`,
      })),
    );
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
});
