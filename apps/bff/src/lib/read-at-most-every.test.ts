import { afterEach, describe, expect, it, vi } from 'vitest';
import { readAtMostEvery } from './read-at-most-every.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('readAtMostEvery', () => {
  it('reads once for callers at once and within the time, again after it', async () => {
    vi.useFakeTimers();
    let reads = 0;
    const read = readAtMostEvery(5_000, async () => ++reads);
    expect(await Promise.all([read(), read()])).toEqual([1, 1]);
    vi.advanceTimersByTime(4_999);
    expect(await read()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await read()).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps no failed read: the next caller reads again', async () => {
    let reads = 0;
    const read = readAtMostEvery(5_000, async () => {
      reads++;
      if (reads === 1) throw new Error('unavailable');
      return reads;
    });
    await expect(read()).rejects.toThrow('unavailable');
    expect(await read()).toBe(2);
  });
});
