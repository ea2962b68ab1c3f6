import { describe, expect, it } from 'vitest';
import { AtOnce, OneAtATime } from './at-once.ts';

describe('AtOnce', () => {
  it('bounds runs per key and in all, and a release counts once', () => {
    const atOnce = new AtOnce(1, 2);
    const a = atOnce.tryStart('a');
    expect(a).not.toBeNull();
    expect(atOnce.tryStart('a')).toBeNull();
    const b = atOnce.tryStart('b');
    expect(b).not.toBeNull();
    expect(atOnce.tryStart('c')).toBeNull();
    a?.();
    a?.();
    expect(atOnce.running()).toBe(1);
    expect(atOnce.running('a')).toBe(0);
    expect(atOnce.tryStart('c')).not.toBeNull();
    // a's second release freed nothing more: b and c hold both turns.
    expect(atOnce.tryStart('d')).toBeNull();
  });
});

describe('OneAtATime', () => {
  /** A run that ends when the test says, with the value or failure it is given. */
  function controlled() {
    let started = 0;
    let finish: (outcome: number | Error) => void = () => {};
    const work = () => {
      started += 1;
      return new Promise<number>((resolve, reject) => {
        finish = (outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome));
      });
    };
    return { work, started: () => started, finish: (o: number | Error) => finish(o) };
  }

  it('gives those who ask during a run the next run, shared, even when the first fails', async () => {
    const one = new OneAtATime<number>();
    const runs = controlled();
    const first = one.run(runs.work);
    await Promise.resolve();
    const second = one.run(runs.work);
    const third = one.run(runs.work);
    expect(runs.started()).toBe(1);
    runs.finish(new Error('the walk failed'));
    await expect(first).rejects.toThrow('the walk failed');
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs.started()).toBe(2);
    runs.finish(7);
    expect(await second).toBe(7);
    expect(await third).toBe(7);
    // Nothing runs now: the next one starts at once, alone.
    const fourth = one.run(runs.work);
    await Promise.resolve();
    expect(runs.started()).toBe(3);
    runs.finish(8);
    expect(await fourth).toBe(8);
  });
});
