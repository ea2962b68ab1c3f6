import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';

const METRICS_TOKEN = 'scrape-me-if-you-can-0123456789';

/** One series' value in the exposition (0 before it first appears). */
async function sample(t: Awaited<ReturnType<typeof createTestApp>>, name: string) {
  const res = await t.call('GET', '/metrics', { token: METRICS_TOKEN });
  expect(res.status).toBe(200);
  const line = res.text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

/** What only the SQLite store has: group commits, and its query plans. */
describe('GET /metrics on SQLite', () => {
  it('shows commit groups moving, each holding at least one transaction', async () => {
    const t = await createTestApp({ rateLimits: false, env: { METRICS_TOKEN } });
    const count = 'onbehalf_commit_group_transactions_count';
    const sum = 'onbehalf_commit_group_transactions_sum';
    const before = { count: await sample(t, count), sum: await sample(t, sum) };
    await t.signIn('owner@acme.test');
    await t.client().links.requestEmailLink('buyer@acme.test');
    const moved = {
      count: (await sample(t, count)) - before.count,
      sum: (await sample(t, sum)) - before.sum,
    };
    expect(moved.count).toBeGreaterThan(0);
    expect(moved.sum).toBeGreaterThanOrEqual(moved.count);
  });

  it('shows the audit events waiting for the search index, and none once a search indexed them', async () => {
    const t = await createTestApp({ rateLimits: false, env: { METRICS_TOKEN } });
    const backlog = 'onbehalf_audit_search_backlog_events';
    const before = await sample(t, backlog);
    const root = await t.signIn('root@onbehalf.test');
    await t.signIn('owner@acme.test');
    expect(await sample(t, backlog)).toBeGreaterThanOrEqual(before + 2);
    const found = await t.client(root.token).audit.list({ query: 'password' });
    expect(found.events.length).toBeGreaterThan(0);
    expect(await sample(t, backlog)).toBe(0);
  });
});
