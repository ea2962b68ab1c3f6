import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';
import { queryPlan } from '../../test/query-plan.ts';
import { runningHandoversOf, stillRunningFrom } from '../credential-uses.ts';
import { liveCredentialPageSql } from './credentials.store.ts';
import { revokeOpenedBySql } from './credentials.ts';
import { overdueSql } from './impersonation.store.ts';
import { runningOfActorSql, runningOfCredentialSql } from './impersonations.ts';
import { impersonations } from './schema/impersonations.ts';
import { sessions } from './schema/sessions.ts';
import { users } from './schema/users.ts';
import { deadBatchSql } from './sessions.ts';

describe('statements that must not read a whole table on SQLite', () => {
  it('a withdrawn credential finds the sessions it opened through their index', async () => {
    const t = await createTestApp();
    const { sql, params } = revokeOpenedBySql(t.db);
    const details = queryPlan(t.sqlite, sql, params);
    expect(details).toMatch(/SEARCH sessions USING INDEX sessions_opened_by_idx/);
    expect(details).not.toMatch(/SCAN sessions/);
  });

  it("a page of Account's live links and tokens walks their indexes in the list's order, never a sort", async () => {
    const t = await createTestApp();
    for (const [links, tokens] of [
      [undefined, undefined],
      [{ afterRow: [1, 'link'] as const }, { olderThan: 1, sameInstant: true }],
      [{ olderThan: 1, sameInstant: false }, { afterRow: [1, 1] as const }],
    ] as const) {
      const page = liveCredentialPageSql(
        t.db,
        { userId: 1, profileId: 1 },
        { links: { start: links, limit: 51 }, tokens: { start: tokens, limit: 51 } },
      );
      const asked = JSON.stringify([links, tokens]);
      const linkPlan = queryPlan(t.sqlite, page.links.sql, page.links.params);
      expect(linkPlan, asked).toMatch(/SEARCH one_click_links USING INDEX one_click_live_idx/);
      const tokenPlan = queryPlan(t.sqlite, page.tokens.sql, page.tokens.params);
      expect(tokenPlan, asked).toMatch(/SEARCH login_tokens USING INDEX login_tokens_live_idx/);
      for (const plan of [linkPlan, tokenPlan]) {
        expect(plan, asked).not.toMatch(/TEMP B-TREE|SCAN (one_click_links|login_tokens)/);
      }
    }
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

  it('a withdrawal and a disabled person find the running impersonations through their indexes', async () => {
    const t = await createTestApp();
    for (const [statement, index] of [
      [runningOfCredentialSql(t.db), 'impersonations_running_credential_idx'],
      [runningOfActorSql(t.db), 'impersonations_running_actor_idx'],
    ] as const) {
      const details = queryPlan(t.sqlite, statement.sql, statement.params);
      expect(details).toMatch(new RegExp(`SEARCH impersonations USING INDEX ${index}`));
      expect(details).not.toMatch(/SCAN impersonations/);
    }
  });

  it("a person's Account finds the handovers in use through their index, never a scan of their impersonations", async () => {
    const t = await createTestApp();
    const { sql: statement, params } = t.db
      .select({ kind: impersonations.credentialKind, id: impersonations.credentialId })
      .from(impersonations)
      .where(runningHandoversOf(impersonations, 1, 0))
      .limit(100)
      .toSQL();
    const details = queryPlan(t.sqlite, statement, params);
    expect(details).toMatch(
      /SEARCH impersonations USING INDEX impersonations_running_handover_idx/,
    );
    expect(details).not.toMatch(/SCAN impersonations/);
  });

  it('a withdrawal asks what a used credential still runs through the indexes, never a scan', async () => {
    const t = await createTestApp();
    const { sql: statement, params } = t.db
      .select({ one: sql`1` })
      .from(users)
      .where(
        and(eq(users.id, 1), stillRunningFrom({ sessions, impersonations }, 'login_token', '1', 0)),
      )
      .toSQL();
    const details = queryPlan(t.sqlite, statement, params);
    expect(details).toMatch(/SEARCH sessions USING INDEX sessions_opened_by_idx/);
    expect(details).toMatch(
      /SEARCH impersonations USING INDEX impersonations_running_credential_idx/,
    );
    expect(details).not.toMatch(/SCAN (sessions|impersonations)/);
  });
});
