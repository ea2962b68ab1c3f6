import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

const SECRET = 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA0';

describe('the environment', () => {
  it('runs on SQLite under DATA_DIR when DATABASE_URL is not set', () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PUBLIC_ORIGIN).toBe('http://localhost:3000');
  });

  it('takes a postgres:// or postgresql:// DATABASE_URL with ONBEHALF_SECRET', () => {
    for (const url of [
      'postgres://onbehalf:pw@db.internal:5432/onbehalf',
      'postgresql://db.internal/onbehalf?sslmode=require',
    ]) {
      expect(loadEnv({ DATABASE_URL: url, ONBEHALF_SECRET: SECRET }).DATABASE_URL).toBe(url);
    }
  });

  it('refuses a DATABASE_URL that is not a PostgreSQL URL, without repeating it', () => {
    for (const url of [
      '',
      'db.internal:5432/onbehalf',
      'mysql://root:hunter2@db.internal/onbehalf',
      'postgres:///onbehalf',
      'file:./data/onbehalf.db',
    ]) {
      let message = '';
      try {
        loadEnv({ DATABASE_URL: url, ONBEHALF_SECRET: SECRET });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('requires ONBEHALF_SECRET with DATABASE_URL: every process must share it', () => {
    expect(() => loadEnv({ DATABASE_URL: 'postgres://db.internal/onbehalf' })).toThrow(
      /ONBEHALF_SECRET is required with DATABASE_URL: every process must be given the same one/,
    );
    expect(() =>
      loadEnv({ DATABASE_URL: 'postgres://db.internal/onbehalf', ONBEHALF_SECRET: 'short' }),
    ).toThrow(/ONBEHALF_SECRET/);
  });
});
