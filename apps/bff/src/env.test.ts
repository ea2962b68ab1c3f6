import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';
import { DEMO_PASSWORD } from './store/demo.ts';

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

  it('has a published demo password outside production only; production takes its own or none', () => {
    expect(loadEnv({}).demoPassword).toBe(DEMO_PASSWORD);
    expect(loadEnv({ NODE_ENV: 'test' }).demoPassword).toBe(DEMO_PASSWORD);
    expect(loadEnv({ NODE_ENV: 'production' }).demoPassword).toBeNull();
    const own = 'a-password-of-our-own';
    expect(loadEnv({ NODE_ENV: 'production', ONBEHALF_DEMO_PASSWORD: own }).demoPassword).toBe(own);
    expect(() =>
      loadEnv({ NODE_ENV: 'production', ONBEHALF_DEMO_PASSWORD: DEMO_PASSWORD }),
    ).toThrow(/ONBEHALF_DEMO_PASSWORD may not be the published demo password in production/);
    expect(() => loadEnv({ ONBEHALF_DEMO_PASSWORD: 'short' })).toThrow(/ONBEHALF_DEMO_PASSWORD/);
  });

  it('has no published demo password on a test server given a key: others reach it', () => {
    const keyed = {
      NODE_ENV: 'test',
      ONBEHALF_TEST_MODE: '1',
      ONBEHALF_TEST_MODE_KEY: 'k'.repeat(24),
    };
    expect(loadEnv(keyed).demoPassword).toBeNull();
    expect(loadEnv(keyed).reachableByOthers).toBe(true);
    expect(loadEnv({ ...keyed, ONBEHALF_DEMO_PASSWORD: 'x'.repeat(16) }).demoPassword).toBe(
      'x'.repeat(16),
    );
    expect(() => loadEnv({ ...keyed, ONBEHALF_DEMO_PASSWORD: DEMO_PASSWORD })).toThrow(
      /ONBEHALF_DEMO_PASSWORD may not be the published demo password with ONBEHALF_TEST_MODE_KEY/,
    );
    expect(loadEnv({ NODE_ENV: 'test', ONBEHALF_TEST_MODE: '1' }).demoPassword).toBe(DEMO_PASSWORD);
  });

  it('takes an http or https PUBLIC_ORIGIN only: links are built from it', () => {
    expect(loadEnv({ PUBLIC_ORIGIN: 'https://portal.example.com/' }).PUBLIC_ORIGIN).toBe(
      'https://portal.example.com',
    );
    for (const origin of [
      'portal.example.com:443',
      'javascript:alert(1)',
      'ftp://portal.example.com',
      'file:///etc/passwd',
    ]) {
      expect(() => loadEnv({ PUBLIC_ORIGIN: origin }), origin).toThrow(
        /PUBLIC_ORIGIN: must be an http:\/\/ or https:\/\/ URL/,
      );
    }
  });

  it('says what is wrong on one line, naming each variable', () => {
    expect(() => loadEnv({ PORT: 'x', TRUST_PROXY: '9' })).toThrow(
      /^Invalid environment: PORT: .+; TRUST_PROXY: [^\n]+$/,
    );
  });

  it('takes a decimal PORT from 1 to 65535 only: no random port, no hexadecimal', () => {
    expect(loadEnv({}).PORT).toBe(3000);
    expect(loadEnv({ PORT: '3001' }).PORT).toBe(3001);
    expect(loadEnv({ PORT: '65535' }).PORT).toBe(65_535);
    // '' was coerced to port 0: a random port, and links to http://localhost:0.
    for (const port of ['', '0', '0x0BB9', '3e3', ' 3000', '3000.0', '-1', '65536', '080000']) {
      expect(() => loadEnv({ PORT: port }), port).toThrow(
        /PORT: must be a port number from 1 to 65535, in decimal/,
      );
    }
  });

  it('takes an smtp:// or smtps:// SMTP_URL only, without repeating it', () => {
    for (const url of ['smtp://user:pw@mail.example.com:587', 'smtps://mail.example.com']) {
      expect(loadEnv({ SMTP_URL: url }).SMTP_URL).toBe(url);
    }
    for (const url of [
      'https://user:hunter2@mail.example.com',
      'mail.example.com:587',
      'smtp.example.com',
    ]) {
      let message = '';
      try {
        loadEnv({ SMTP_URL: url });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, url).toMatch(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
      expect(message).not.toContain('hunter2');
    }
  });
});
