import { describe, expect, it } from 'vitest';
import { usersPage } from '../../store/sqlite/users.store.ts';
import { createTestApp } from '../../test/harness.ts';
import { queryPlan } from '../../test/query-plan.ts';
import type { UsersPage } from './users.store.ts';

/**
 * Admin › Users at 100,000 people (SPEC §8b): a page, searched or not, is read in name order and
 * stops at its end. Looking every match up and sorting them all held the event loop 200-600 ms
 * for a one-letter search.
 */
describe('Admin › Users on SQLite', () => {
  it('a page is an index walk in name order, never a sort of every match, whatever is asked', async () => {
    const t = await createTestApp({ rateLimits: false });
    const pages: UsersPage[] = [
      { limit: 50 },
      { limit: 50, query: 'a' },
      { limit: 50, query: 'acme' },
      { limit: 50, organizationIds: [1] },
      { limit: 50, query: 'a', organizationIds: [1, 2], after: ['b', 3] },
    ];
    for (const page of pages) {
      const { sql, params } = usersPage(t.db, page).toSQL();
      const plan = queryPlan(t.sqlite, sql, params);
      expect(plan, JSON.stringify(page)).toMatch(
        /^SCAN users USING (COVERING )?INDEX users_name_idx/,
      );
      expect(plan, JSON.stringify(page)).not.toContain('TEMP B-TREE');
      // An organization's people are listed in id order, cheap to keep as a list; the name
      // index gave 100,000 of them in random order, 80-100 ms to list.
      if (page.organizationIds) {
        expect(plan, JSON.stringify(page)).toContain('profiles_org_user_idx');
        expect(plan, JSON.stringify(page)).not.toContain('profiles_org_name_idx');
      }
    }
  });
});
