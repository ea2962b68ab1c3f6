import { describe, expect, it } from 'vitest';
import { defaultExpiry, localInputToIso, toLocalInputValue } from './labels.ts';

describe('the Expires at field', () => {
  it('defaults to a week from now, in local time, to the minute', () => {
    const now = new Date(2026, 0, 28, 9, 5, 42);
    expect(defaultExpiry(now)).toBe('2026-02-04T09:05');
  });

  it('sends the local time it shows as ISO 8601', () => {
    const local = new Date(2026, 1, 4, 9, 5);
    expect(localInputToIso(toLocalInputValue(local))).toBe(local.toISOString());
  });

  it('refuses what is not a date and time', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('next week')).toBeNull();
    expect(localInputToIso('2026-02-30T25:00')).toBeNull();
  });
});
