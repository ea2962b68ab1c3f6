import { describe, expect, it } from 'vitest';
import { testClocks } from './clock.ts';

const T0 = 1_700_000_000_000;
const base = { now: () => T0 };

describe('testClocks', () => {
  it('runs a request on its clock: the base time plus the offset the store keeps for it', async () => {
    const clocks = testClocks(base, { clockOffset: async (name) => (name === 'qa-1' ? 5_000 : 0) });
    expect(await clocks.run('qa-1', async () => [clocks.clock.now(), clocks.current()])).toEqual([
      T0 + 5_000,
      'qa-1',
    ]);
    expect(await clocks.run('', async () => clocks.clock.now())).toBe(T0);
  });

  it('fails a request that needs the time when its clock’s offset could not be read, never taking it as 0', async () => {
    const down = new Error('the database did not answer');
    const clocks = testClocks(base, {
      clockOffset: async () => {
        throw down;
      },
    });
    // On a clock a test had moved, the base time would be a time that test never saw.
    await expect(clocks.run('qa-1', async () => clocks.clock.now())).rejects.toBe(down);
    await expect(clocks.run('qa-1', async () => clocks.offsetMs())).rejects.toBe(down);
    // A request that does not read the time (liveness) still answers.
    await expect(clocks.run('qa-1', async () => 'alive')).resolves.toBe('alive');
  });
});
