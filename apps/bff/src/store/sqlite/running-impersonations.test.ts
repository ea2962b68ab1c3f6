import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';
import { queryPlan } from '../../test/query-plan.ts';
import { runningOfProfileSql } from './impersonations.ts';
import { runningImpersonationsSql } from './metrics.ts';

describe('the running impersonations on SQLite (runningImpersonationsWhere)', () => {
  it('are read from a range of recent ids or the running ones’ index, by /metrics and by a role change, not by scanning the history', async () => {
    const t = await createTestApp();
    for (const statement of [runningImpersonationsSql, runningOfProfileSql]) {
      const { sql, params } = statement(t.db);
      const details = queryPlan(
        t.sqlite,
        sql,
        params.map(() => '0'),
      );
      // A range of recent ids, or the index that holds only the started, unended ones.
      expect(details).toMatch(
        /SEARCH impersonations USING INDEX (\S+ \(id>\?\)|impersonations_overdue_idx)/,
      );
      expect(details).not.toMatch(/SCAN impersonations/);
    }
  });
});
