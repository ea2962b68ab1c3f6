import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';

describe('the environment', () => {
  it('DATABASE_URL is refused with a sentence, never silently ignored for a local file', () => {
    expect(() => loadEnv({ DATABASE_URL: 'postgres://db.internal/onbehalf' })).toThrow(
      /DATABASE_URL is set, but this version runs on SQLite only/,
    );
    expect(loadEnv({}).PUBLIC_ORIGIN).toBe('http://localhost:3000');
  });
});
