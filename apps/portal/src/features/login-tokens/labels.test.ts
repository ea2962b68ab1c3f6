import { describe, expect, it } from 'vitest';
import { defaultExpiry } from './labels.ts';

describe('the Expires at field', () => {
  it('defaults to a week from now, in local time, to the minute', () => {
    const now = new Date(2026, 0, 28, 9, 5, 42);
    expect(defaultExpiry(now)).toBe('2026-02-04T09:05');
  });
});
