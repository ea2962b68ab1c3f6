import { describe, expect, it } from 'vitest';
import { randomToken, sortableId } from './tokens.ts';

describe('sortable ids', () => {
  it('are ULIDs: 26 Crockford base32 characters, the first ten the time', () => {
    const id = sortableId(Date.UTC(2026, 10, 21, 9, 0, 0));
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    // 1795251600000 ms is '1k7ulauk0' in JavaScript's base-32 digits, '1M7YNAYM0' in Crockford's.
    expect(id.slice(0, 10)).toBe('01M7YNAYM0');
    expect(sortableId(0).slice(0, 10)).toBe('0000000000');
  });

  it('sort by creation time, as strings and as SQLite compares them', () => {
    const start = Date.UTC(2026, 10, 21);
    const ids = [0, 1, 31, 32, 1023, 1024, 86_400_000].map((ms) => sortableId(start + ms));
    expect([...ids].sort()).toEqual(ids);
  });

  it('differ within one millisecond', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => sortableId(now)));
    expect(ids.size).toBe(10_000);
  });
});

describe('random tokens', () => {
  it('carry 256 bits and never repeat, across refills of the random buffer', () => {
    const tokens = Array.from({ length: 1000 }, () => randomToken());
    expect(new Set(tokens).size).toBe(1000);
    for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });
});
