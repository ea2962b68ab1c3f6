import { describe, expect, it } from 'vitest';
import { formatInstant } from './format-instant.ts';

describe('formatInstant', () => {
  it('writes the date and the time to the second', () => {
    const local = new Date(2026, 10, 21, 14, 5, 9);
    expect(formatInstant(local.toISOString())).toBe('21 Nov 2026, 14:05:09');
  });
});
