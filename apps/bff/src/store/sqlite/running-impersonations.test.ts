import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';
import { queryPlan } from '../../test/query-plan.ts';
import { runningOfProfileSql } from './impersonations.ts';

describe('the running impersonations a role change re-checks, on SQLite', () => {
  it('are read from a range of recent ids, as /metrics reads them, not by scanning the history', async () => {
    const t = await createTestApp();
    const { sql, params } = runningOfProfileSql(t.db);
    const details = queryPlan(
      t.sqlite,
      sql,
      params.map(() => '0'),
    );
    expect(details).toMatch(/SEARCH impersonations USING INDEX \S+ \(id>\?\)/);
    expect(details).not.toMatch(/SCAN impersonations/);
  });
});
