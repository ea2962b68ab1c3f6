import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';
import { allowlisted, parseAllowlist } from './lib/rate-limit.ts';
import { fromPrivateJwk, parseSigningJwk } from './lib/signing-keys.ts';
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

  it('takes TRUST_PROXY, AUDIT_RETENTION_DAYS and SHUTDOWN_GRACE_SECONDS in decimal and in range only', () => {
    expect(loadEnv({})).toMatchObject({ SHUTDOWN_GRACE_SECONDS: 10 });
    expect(
      loadEnv({ TRUST_PROXY: '2', AUDIT_RETENTION_DAYS: '365', SHUTDOWN_GRACE_SECONDS: '0' }),
    ).toMatchObject({ TRUST_PROXY: 2, AUDIT_RETENTION_DAYS: 365, SHUTDOWN_GRACE_SECONDS: 0 });
    for (const value of ['', '1e1', '-1', '601', '2.5']) {
      expect(() => loadEnv({ SHUTDOWN_GRACE_SECONDS: value }), value).toThrow(
        /SHUTDOWN_GRACE_SECONDS: must be a number of seconds from 0 to 600, in decimal/,
      );
    }
    for (const value of ['', '0x1', '1e0', ' 1', '-0', '6']) {
      expect(() => loadEnv({ TRUST_PROXY: value }), value).toThrow(
        /TRUST_PROXY: must be a number of proxies from 0 to 5, in decimal/,
      );
    }
    for (const value of ['', '0x1e', '29', '3651', '400.5']) {
      expect(() => loadEnv({ AUDIT_RETENTION_DAYS: value }), value).toThrow(
        /AUDIT_RETENTION_DAYS: must be a number of days from 30 to 3650, in decimal/,
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

describe('RATE_LIMIT_ALLOWLIST', () => {
  const refusal = (allowlist: string) => {
    try {
      loadEnv({ RATE_LIMIT_ALLOWLIST: allowlist });
    } catch (error) {
      return (error as Error).message;
    }
    return 'taken';
  };

  it('takes addresses and networks of an office or a gateway, IPv4 and IPv6', () => {
    const allowlist =
      '198.51.100.0/24, 2001:db8:aa::/48, 203.0.113.9, 10.0.0.0/8, ::ffff:198.51.100.0/120';
    expect(loadEnv({ RATE_LIMIT_ALLOWLIST: allowlist }).RATE_LIMIT_ALLOWLIST).toBe(allowlist);
  });

  it('refuses at start what is not an address or a CIDR, naming the entry', () => {
    // A prefix that is missing, doubled, out of range or not a number would exempt more than
    // meant (a trailing "/" once read as /0).
    for (const entry of [
      'office-nat',
      '203.0.113.7/',
      '2001:db8::1/',
      '10.0.0.0/8/9',
      '10.0.0.0/33',
      '10.0.0.0/abc',
      '10.0.0.0/-1',
      '2001:db8::/129',
      '/8',
    ]) {
      expect(refusal(`198.51.100.0/24, ${entry}`), entry).toContain(
        `RATE_LIMIT_ALLOWLIST: "${entry}" is not an address or a CIDR`,
      );
    }
    expect(refusal('10.0.0.0/8;192.168.0.0/16')).toMatch(
      /RATE_LIMIT_ALLOWLIST: "10\.0\.0\.0\/8;192\.168\.0\.0\/16" is not an address or a CIDR .*entries are separated by commas/,
    );
  });

  it('refuses a network with bits set past its prefix, naming the network it would be', () => {
    expect(refusal('10.0.0.1/8')).toContain(
      'RATE_LIMIT_ALLOWLIST: "10.0.0.1/8" has bits set past its /8 prefix: write the network, 10.0.0.0/8, or the address alone',
    );
    expect(refusal('2001:db8:0:0:1::/64')).toContain('write the network, 2001:db8::/64,');
    expect(refusal('2001:db8:1:2:3:4:5:6/64')).toContain('write the network, 2001:db8:1:2::/64,');
  });

  it('refuses a network wider than an IPv4 /8 or an IPv6 /48: every address-wide limit would be off', () => {
    for (const entry of ['0.0.0.0/0', '::/0']) {
      expect(refusal(entry), entry).toContain(
        `RATE_LIMIT_ALLOWLIST: "${entry}" would exempt every address from the address-wide rate limits`,
      );
    }
    expect(refusal('8.0.0.0/7')).toContain('at most a /8 of IPv4');
    expect(refusal('2000::/3')).toContain('at most a /48 of IPv6');
    expect(refusal('2001:db8::/32')).toContain('at most a /48 of IPv6');
  });

  it('refuses an IPv6 network of IPv4-mapped addresses wider than an IPv4 /8, which exempts IPv4 clients', () => {
    // Node's BlockList matches an IPv4 address against them: each was every IPv4 client.
    for (const entry of ['::ffff:0:0/96', '::/48', '::ffff:0:0/100']) {
      expect(refusal(entry), entry).toContain(
        `RATE_LIMIT_ALLOWLIST: "${entry}" holds IPv4-mapped addresses (::ffff:0:0/96) and would exempt`,
      );
    }
    expect(refusal('::ffff:0:0/96')).toContain('every IPv4 address');
    expect(refusal('::ffff:0:0/100')).toContain('a /4 of IPv4 addresses');
    // An IPv4 network written mapped is taken as narrow as written, and matches only it.
    const list = parseAllowlist('::ffff:198.51.100.0/120');
    expect(allowlisted(list, '198.51.100.7')).toBe(true);
    expect(allowlisted(list, '::ffff:198.51.100.7')).toBe(true);
    expect(allowlisted(list, '8.8.8.8')).toBe(false);
  });

  it('refuses the NAT64 network wider than an IPv4 /8: a translator passes every IPv4 client on from it', () => {
    for (const entry of ['64:ff9b::/96', '64:ff9b::/48', '64:ff9b::/100']) {
      expect(refusal(entry), entry).toContain(
        `RATE_LIMIT_ALLOWLIST: "${entry}" holds translated IPv4 addresses (NAT64, 64:ff9b::/96) and would exempt`,
      );
    }
    // RFC 8215's local-use network, wherever in it a translator puts IPv4 (review).
    for (const entry of ['64:ff9b:1::/48', '64:ff9b:1:ab::/64', '64:ff9b:1:ab::/96']) {
      expect(refusal(entry), entry).toContain(
        `RATE_LIMIT_ALLOWLIST: "${entry}" holds translated IPv4 addresses (NAT64, 64:ff9b:1::/48) and would exempt`,
      );
    }
    expect(
      parseAllowlist('64:ff9b:1:ab::c633:6400/120').check('64:ff9b:1:ab::c633:6401', 'ipv6'),
    ).toBe(true);
    expect(refusal('64:ff9b::/96')).toContain('every IPv4 address');
    // An office's own translated network, as narrow as its IPv4 one, is taken, and matches
    // its clients however they arrive: through the translator, or not (a review found it
    // taken but never matching, the clients being checked as their IPv4 addresses).
    for (const entry of ['64:ff9b::c633:6400/120', '64:ff9b::198.51.100.0/120']) {
      const list = parseAllowlist(entry);
      expect(allowlisted(list, '64:ff9b::c633:6407'), entry).toBe(true);
      expect(allowlisted(list, '198.51.100.7'), entry).toBe(true);
      expect(allowlisted(list, '64:ff9b::808:808'), entry).toBe(false);
      expect(allowlisted(list, '198.51.101.7'), entry).toBe(false);
    }
    const one = parseAllowlist('64:ff9b::c633:6407');
    expect([allowlisted(one, '198.51.100.7'), allowlisted(one, '198.51.100.8')]).toEqual([
      true,
      false,
    ]);
  });
});

describe('ALLOWED_HOSTS', () => {
  it('takes host names, a port ignored', () => {
    expect(loadEnv({ ALLOWED_HOSTS: 'api.portal.test, Other.Example:8443 ,' }).ALLOWED_HOSTS).toBe(
      'api.portal.test, Other.Example:8443 ,',
    );
  });

  it('refuses at start an entry that is not a host name, a URL above all', () => {
    for (const [entry, reason] of [
      ['bad host', 'is not a host name'],
      // Read as the host "https" once, leaving the portal itself refused.
      ['https://portal.example.com', 'is a URL: give the host name alone'],
      [
        'portal.example.com/app',
        'is not a host name: give the host alone, without a path or a user',
      ],
      [
        'admin@portal.example.com',
        'is not a host name: give the host alone, without a path or a user',
      ],
    ] as const) {
      expect(() => loadEnv({ ALLOWED_HOSTS: `good.example,${entry}` }), entry).toThrow(
        `ALLOWED_HOSTS: "${entry}" ${reason}`,
      );
    }
  });
});

describe('SESSION_SIGNING_JWK', () => {
  const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });
  const jwkOf = (key: ReturnType<typeof ec>['privateKey']) => key.export({ format: 'jwk' });
  const mine = jwkOf(ec('P-256').privateKey);
  const refusal = (text: string) => {
    try {
      loadEnv({ SESSION_SIGNING_JWK: text });
    } catch (error) {
      return (error as Error).message;
    }
    return 'taken';
  };

  it('takes a private P-256 key, the kind session JWTs are signed with (ES256)', () => {
    expect(refusal(JSON.stringify(mine))).toBe('taken');
    expect(refusal(JSON.stringify({ ...mine, kid: 'k1', alg: 'ES256', use: 'sig' }))).toBe('taken');
    // Coordinates in standard, padded base64 are the same key, and were taken before the check.
    const standard = (part: unknown) => Buffer.from(String(part), 'base64url').toString('base64');
    expect(refusal(JSON.stringify({ ...mine, x: standard(mine.x), y: standard(mine.y) }))).toBe(
      'taken',
    );
  });

  it('is used and published canonical, whatever the text wrote around the key', async () => {
    const canonical = await fromPrivateJwk(parseSigningJwk(JSON.stringify(mine)));
    const standard = (part: unknown) => Buffer.from(String(part), 'base64url').toString('base64');
    for (const written of [
      { ...mine, x: standard(mine.x), y: standard(mine.y) },
      { ...mine, x: `${mine.x}=zz` },
      { ...mine, ext: true, key_ops: ['sign'], alg: 'ES256', use: 'sig' },
      { ...mine, oth: 1 },
    ]) {
      const keys = await fromPrivateJwk(parseSigningJwk(JSON.stringify(written)));
      expect(keys.publicJwk).toEqual(canonical.publicJwk);
      expect(keys.kid).toBe(canonical.kid);
    }
  });

  it('refuses one that is not JSON by name, repeating none of it', () => {
    // One quote lost when pasted into a secret store: JSON.parse's own reason quoted the key.
    const broken = JSON.stringify(mine).replace('"d":"', '"d":');
    const message = refusal(broken);
    expect(message).toContain('SESSION_SIGNING_JWK: is not JSON');
    for (const part of [mine.d, mine.x, mine.y]) {
      expect(message).not.toContain(String(part).slice(0, 6));
    }
  });

  it('refuses at start any key it could not sign with, rather than publish it and answer 500', () => {
    const other = jwkOf(ec('P-256').privateKey);
    const { d: _d, ...publicOnly } = mine;
    const rsa = jwkOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    for (const [what, jwk, reason] of [
      ['a public key alone', publicOnly, 'has no private part ("d")'],
      ['an RSA key', rsa, 'must be an EC key on the P-256 curve'],
      ['a P-384 key', jwkOf(ec('P-384').privateKey), 'must be an EC key on the P-256 curve'],
      ['an array', [mine], 'is not a JSON object'],
      [
        'a key marked for another algorithm',
        { ...mine, alg: 'ES384' },
        'is marked for another algorithm',
      ],
      ['a key marked for encryption', { ...mine, use: 'enc' }, 'is marked for another use'],
      // WebCrypto takes key_ops as the key's usages: each of these failed only at boot.
      ...([['verify'], 'sign', 5, ['sign', 'verify'], ['sign', 'sign'], ['sign', 1]] as const).map(
        (keyOps) =>
          [
            `key_ops ${JSON.stringify(keyOps)}`,
            { ...mine, key_ops: keyOps },
            'is marked for more or less than signing',
          ] as const,
      ),
      ['a kid that is not a name', { ...mine, kid: 7 }, 'has a "kid" that is not a name'],
      ['the d of another key', { ...mine, d: other.d }, 'has a "d" of another key'],
      [
        'a d off the curve',
        { ...mine, d: Buffer.alloc(32).toString('base64url') },
        'has a "d" that is not a P-256',
      ],
    ] as const) {
      const message = refusal(JSON.stringify(jwk));
      expect(message, what).toContain(`SESSION_SIGNING_JWK: ${reason}`);
      expect(message, what).not.toContain(String(mine.d).slice(0, 6));
    }
  });
});
