import { describe, expect, it } from 'vitest';
import { fromDateTimeLocal, toDateTimeLocal } from './datetime-local.ts';

describe('toDateTimeLocal', () => {
  it('shows an instant in local time, with seconds only when there are some', () => {
    expect(toDateTimeLocal(new Date(2026, 10, 21, 14, 5).toISOString())).toBe('2026-11-21T14:05');
    expect(toDateTimeLocal(new Date(2026, 10, 21, 14, 5, 9).toISOString())).toBe(
      '2026-11-21T14:05:09',
    );
    expect(toDateTimeLocal(undefined)).toBe('');
  });

  it('drops the seconds when asked for the minute, as an input min must', () => {
    expect(toDateTimeLocal(new Date(2026, 1, 4, 9, 5, 42), 'minute')).toBe('2026-02-04T09:05');
  });

  it('shows nothing for what is not a date', () => {
    expect(toDateTimeLocal('yesterday')).toBe('');
  });
});

describe('fromDateTimeLocal', () => {
  it('sends the local time it shows as ISO 8601', () => {
    const local = new Date(2026, 1, 4, 9, 5);
    expect(fromDateTimeLocal(toDateTimeLocal(local))).toBe(local.toISOString());
    const withSeconds = new Date(2026, 1, 4, 9, 5, 7);
    expect(fromDateTimeLocal(toDateTimeLocal(withSeconds))).toBe(withSeconds.toISOString());
  });

  it('refuses what is not a date and time', () => {
    expect(fromDateTimeLocal('')).toBeNull();
    expect(fromDateTimeLocal('next week')).toBeNull();
    expect(fromDateTimeLocal('2026-02-30T25:00')).toBeNull();
    expect(fromDateTimeLocal('2026-02-04T09:05:00.000Z')).toBeNull();
  });
});
