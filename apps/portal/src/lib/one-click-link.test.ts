import { describe, expect, it } from 'vitest';
import { oneClickLinkOf, parseOneClickLink } from './one-click-link.ts';

describe('parsing the secret from the address', () => {
  it('accepts a numeric user id and a hash', () => {
    expect(parseOneClickLink('5', 'abc_-1')).toEqual({ userId: 5, hash: 'abc_-1' });
  });

  it('refuses what cannot be a link, without asking the server', () => {
    expect(parseOneClickLink(undefined, undefined)).toBeNull();
    expect(parseOneClickLink('abc', 'x')).toBeNull();
    expect(parseOneClickLink('0', 'x')).toBeNull();
    // An id is decimal digits only, as the API reads one: no other spelling of 5 opens it.
    for (const id of ['05', '0x5', '5e0', '+5', ' 5', '5.0'])
      expect(parseOneClickLink(id, 'x')).toBeNull();
    expect(parseOneClickLink('5', 'x'.repeat(201))).toBeNull();
  });
});

describe('oneClickLinkOf', () => {
  it('takes a handed-over URL apart', () => {
    expect(oneClickLinkOf('http://127.0.0.1:3000/one-click/12/abc_-1')).toEqual({
      userId: 12,
      hash: 'abc_-1',
    });
  });

  it('is null for anything else', () => {
    expect(oneClickLinkOf('not a url')).toBeNull();
    expect(oneClickLinkOf('http://127.0.0.1:3000/login?token=1.abc')).toBeNull();
    expect(oneClickLinkOf('http://127.0.0.1:3000/one-click/12/abc/more')).toBeNull();
  });
});
