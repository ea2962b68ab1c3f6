import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/harness.ts';

/** What needs SQLite itself: its migrations table, and a handle the test closes. */

describe('GET /api/health/ready', () => {
  it('is 503 not_ready while a migration of this version is not applied', async () => {
    const t = await createTestApp();
    t.sqlite.exec(
      `DELETE FROM __drizzle_migrations
       WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)`,
    );
    const res = await t.call('GET', '/api/health/ready');
    expect(res.status).toBe(503);
    expect(res.error).toEqual({
      code: 'not_ready',
      message: expect.stringMatching(/^1 database migration/),
    });
  });

  it('is 503 not_ready on a database that was never migrated', async () => {
    const t = await createTestApp();
    t.sqlite.exec('DROP TABLE __drizzle_migrations');
    await expect(t.client().call('health.ready')).rejects.toMatchObject({
      status: 503,
      code: 'not_ready',
    });
  });

  it('is 503 not_ready, never a 500, when the database does not answer', async () => {
    const t = await createTestApp();
    t.sqlite.close();
    const res = await t.call('GET', '/api/health/ready');
    expect(res.status).toBe(503);
    expect(res.error).toEqual({ code: 'not_ready', message: 'The database does not answer.' });
  });
});

describe('GET /api/health', () => {
  it('stays liveness only: it answers without touching the database', async () => {
    const t = await createTestApp();
    t.sqlite.close();
    expect(await t.client().call('health.live')).toEqual({ ok: true });
  });
});
