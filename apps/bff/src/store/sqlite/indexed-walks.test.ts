import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';
import { queryPlan } from '../../test/query-plan.ts';
import { revokeOpenedBySql } from './credentials.ts';
import { overdueSql } from './impersonation.store.ts';
import { deadBatchSql } from './sessions.ts';

describe('statements that must not read a whole table on SQLite', () => {
  it('a withdrawn credential finds the sessions it opened through their index', async () => {
    const t = await createTestApp();
    const { sql, params } = revokeOpenedBySql(t.db);
    const details = queryPlan(t.sqlite, sql, params);
    expect(details).toMatch(/SEARCH sessions USING INDEX sessions_opened_by_idx/);
    expect(details).not.toMatch(/SCAN sessions/);
  });

  it('housekeeping finds the sessions long dead through their index', async () => {
    const t = await createTestApp();
    const { sql, params } = deadBatchSql(t.db);
    const details = queryPlan(
      t.sqlite,
      sql,
      params.map(() => 0),
    );
    expect(details).toMatch(/SEARCH sessions USING (COVERING )?INDEX sessions_expires_idx/);
    expect(details).not.toMatch(/SCAN sessions/);
  });

  it('housekeeping finds the overdue impersonations through their index', async () => {
    const t = await createTestApp();
    const { sql, params } = overdueSql(t.db);
    const details = queryPlan(t.sqlite, sql, params);
    expect(details).toMatch(/SEARCH impersonations USING INDEX impersonations_overdue_idx/);
    expect(details).not.toMatch(/SCAN impersonations/);
  });
});
