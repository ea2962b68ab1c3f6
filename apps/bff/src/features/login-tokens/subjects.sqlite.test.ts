import { describe, expect, it } from 'vitest';
import { subjectsPage } from '../../store/sqlite/login-tokens.store.ts';
import { createTestApp } from '../../test/harness.ts';
import { queryPlan } from '../../test/query-plan.ts';

/**
 * The people a login token may be made for, at 100,000 people (SPEC §8b): read in name order,
 * stopping at the page's end, as Admin › Users is. A "contains" over every name and email held
 * the event loop 35-90 ms for each search at 100,000 people; this way a search takes 3-22 ms.
 */
describe('login-token subjects on SQLite', () => {
  it('are an index walk in name order, never a scan of every person nor a sort of every match', async () => {
    const t = await createTestApp({ rateLimits: false });
    const searches: [string, number[] | undefined][] = [
      ['a', undefined],
      ['jane doe', undefined],
      ['a', [1]],
      ['', [1, 2]],
    ];
    for (const [query, organizationIds] of searches) {
      const { sql, params } = subjectsPage(t.db, query, organizationIds, 20).toSQL();
      const plan = queryPlan(t.sqlite, sql, params);
      const asked = JSON.stringify([query, organizationIds]);
      expect(plan, asked).toMatch(/^SCAN users USING INDEX users_name_idx/);
      // What is left to sort is one person's profiles.
      expect(plan, asked).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
      expect(plan, asked).not.toContain('like');
      if (organizationIds) expect(plan, asked).toContain('profiles_org_user_idx');
    }
  });
});
