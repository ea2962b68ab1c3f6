import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';
import { runningOfProfileSql } from './impersonations.ts';

describe('the running impersonations a role change re-checks, on SQLite', () => {
  it('are read from a range of recent ids, as /metrics reads them, not by scanning the history', async () => {
    const t = await createTestApp();
    const { sql, params } = runningOfProfileSql(t.db);
    const plan = t.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params.map(() => '0')) as {
      detail: string;
    }[];
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toMatch(/SEARCH impersonations USING INDEX \S+ \(id>\?\)/);
    expect(details).not.toMatch(/SCAN impersonations/);
  });
});
