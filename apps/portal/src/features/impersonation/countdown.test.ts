import { describe, expect, it } from 'vitest';
import { formatRemaining, remainingMs, serverSkewMs } from './countdown.ts';

describe('formatRemaining', () => {
  it('counts whole minutes, rounded up, while a minute or more is left', () => {
    expect(formatRemaining(60 * 60_000)).toBe('60 min');
    expect(formatRemaining(42 * 60_000 - 500)).toBe('42 min');
    expect(formatRemaining(61_000)).toBe('2 min');
    expect(formatRemaining(60_000)).toBe('1 min');
  });

  it('counts seconds in the last minute (a part-second counts as a whole one)', () => {
    expect(formatRemaining(59_999)).toBe('1 min');
    expect(formatRemaining(59_000)).toBe('59 s');
    expect(formatRemaining(35_000)).toBe('35 s');
    expect(formatRemaining(1)).toBe('1 s');
  });

  it('never goes below zero', () => {
    expect(formatRemaining(0)).toBe('0 s');
    expect(formatRemaining(-5_000)).toBe('0 s');
  });
});

describe('remainingMs', () => {
  const now = Date.parse('2026-01-01T10:00:00.000Z');

  it('is the time until the end', () => {
    expect(remainingMs('2026-01-01T10:05:00.000Z', now)).toBe(5 * 60_000);
  });

  it('is zero once the end has passed, or when the date cannot be read', () => {
    expect(remainingMs('2026-01-01T09:59:00.000Z', now)).toBe(0);
    expect(remainingMs('not a date', now)).toBe(0);
  });
});

describe('serverSkewMs', () => {
  it('is how far the server’s clock is from this one when a session was read', () => {
    const receivedAt = Date.parse('2026-01-01T12:00:00.000Z');
    // A browser two hours ahead of the server.
    expect(serverSkewMs('2026-01-01T10:00:00.000Z', receivedAt)).toBe(-2 * 3_600_000);
    expect(serverSkewMs('2026-01-01T12:00:01.500Z', receivedAt)).toBe(1_500);
    // Nothing to go by: this clock as it is.
    expect(serverSkewMs(undefined, receivedAt)).toBe(0);
    expect(serverSkewMs('not a date', receivedAt)).toBe(0);
    expect(serverSkewMs('2026-01-01T10:00:00.000Z', 0)).toBe(0);
  });
});
