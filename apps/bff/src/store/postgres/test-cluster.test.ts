import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startTestCluster } from './test-cluster.ts';

describe('a throwaway PostgreSQL server for the tests', () => {
  it('starts on a free loopback port, answers, and is gone after stop()', async () => {
    const cluster = await startTestCluster();
    const client = new pg.Client({ connectionString: cluster.url });
    try {
      await client.connect();
      const { rows } = await client.query<{ version: number }>(
        "SELECT current_setting('server_version_num')::int AS version",
      );
      expect(rows[0]?.version).toBeGreaterThanOrEqual(150_000);
      await client.query('CREATE DATABASE scratch');
      const other = new pg.Client({ connectionString: cluster.urlFor('scratch') });
      await other.connect();
      expect((await other.query('SELECT current_database() AS db')).rows[0]).toEqual({
        db: 'scratch',
      });
      await other.end();
    } finally {
      await client.end();
      cluster.stop();
    }
    const again = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 2000 });
    await expect(again.connect()).rejects.toThrow();
    expect(existsSync(cluster.directory)).toBe(false);
  });

  it('end() stops it as stop() does, and leaves the event loop free while it does', async () => {
    const cluster = await startTestCluster();
    const running = join(cluster.directory, 'data', 'postmaster.pid');
    expect(existsSync(running)).toBe(true);
    const ending = cluster.end();
    // Nothing has waited yet: a stop that blocked (stop()'s) would be over by now.
    expect(existsSync(running)).toBe(true);
    await ending;
    const again = new pg.Client({ connectionString: cluster.url, connectionTimeoutMillis: 2000 });
    await expect(again.connect()).rejects.toThrow();
    expect(existsSync(cluster.directory)).toBe(false);
  });
});
