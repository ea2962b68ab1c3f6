import { beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/harness.ts';

/** What needs SQLite itself: the default its table gives a row inserted without the column. */

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});

describe('organization settings', () => {
  it('the team setting is off by default for a new organization, in the table itself', () => {
    const created = t.sqlite
      .prepare(
        `INSERT INTO organizations (name, kind, created_at) VALUES ('New Co', 'company', 0) RETURNING *`,
      )
      .get() as { impersonation_enabled: number };
    expect(created.impersonation_enabled).toBe(0);
  });
});
