import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, unseal } from './server-secret.ts';

describe('sealing a text with the server secret', () => {
  const key = randomBytes(32);
  const sealed = seal(key, '{"kid":"k-1"}');
  const [iv = '', tag = '', body = ''] = sealed.split('.');

  it('opens with its key only, and not once altered', () => {
    expect(unseal(key, sealed)).toBe('{"kid":"k-1"}');
    expect(unseal(randomBytes(32), sealed)).toBeNull();
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(unseal(key, [iv, tag, flipped.toString('base64url')].join('.'))).toBeNull();
  });

  it('refuses a tag cut short: the whole 128 bits are checked, not as far as it goes', () => {
    for (const bytes of [4, 8, 12, 15]) {
      const short = Buffer.from(tag, 'base64url').subarray(0, bytes).toString('base64url');
      expect([bytes, unseal(key, [iv, short, body].join('.'))]).toEqual([bytes, null]);
    }
  });
});
