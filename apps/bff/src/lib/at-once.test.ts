import { describe, expect, it } from 'vitest';
import { AtOnce, OneAtATime, Turns } from './at-once.ts';

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

describe('Turns', () => {
  const refuse = (why: 'full' | 'timeout' | 'gone') => new Error(`refused: ${why}`);
  /** Work that ends when the test says. */
  function held() {
    let end: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      end = resolve;
    });
    return { work: () => done, end: () => end() };
  }

  it('runs `limit` at once, hands each ended turn to the first waiting, and refuses one more than `maxWaiting` at once', async () => {
    const turns = new Turns(2, { maxWaiting: 2, refuse });
    const order: string[] = [];
    const works = ['a', 'b', 'c', 'd'].map((name) => {
      const h = held();
      const run = turns.run(async () => {
        order.push(name);
        await h.work();
      });
      return { ...h, run };
    });
    await Promise.resolve();
    expect(turns.counts).toEqual({ holding: 2, waiting: 2 });
    expect(order).toEqual(['a', 'b']);
    await expect(turns.run(async () => order.push('e'))).rejects.toThrow('refused: full');
    works[1]?.end();
    await works[1]?.run;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['a', 'b', 'c']);
    expect(turns.counts).toEqual({ holding: 2, waiting: 1 });
    for (const w of works) w.end();
    await Promise.all(works.map((w) => w.run));
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(turns.counts).toEqual({ holding: 0, waiting: 0 });
  });

  it('gives the turn back when the work fails, and refuses a wait longer than `waitMs`', async () => {
    const turns = new Turns(1, { waitMs: 20, refuse });
    await expect(
      turns.run(async () => {
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    expect(turns.counts).toEqual({ holding: 0, waiting: 0 });
    const h = held();
    const first = turns.run(h.work);
    await expect(turns.run(async () => 'late')).rejects.toThrow('refused: timeout');
    // The one that timed out left the line: the turn goes back to nobody.
    expect(turns.counts).toEqual({ holding: 1, waiting: 0 });
    h.end();
    await first;
    expect(turns.counts).toEqual({ holding: 0, waiting: 0 });
    expect(await turns.run(async () => 'next')).toBe('next');
  });

  it('lets a waiter whose request is gone leave the line, in its place, and refuses one already gone', async () => {
    const turns = new Turns(1, { refuse });
    const order: string[] = [];
    const h = held();
    const first = turns.run(h.work);
    const leaving = new AbortController();
    const second = turns.run(async () => order.push('second'), leaving.signal);
    const third = turns.run(async () => order.push('third'));
    expect(turns.counts).toEqual({ holding: 1, waiting: 2 });
    leaving.abort();
    await expect(second).rejects.toThrow('refused: gone');
    expect(turns.counts).toEqual({ holding: 1, waiting: 1 });
    h.end();
    await first;
    await third;
    expect(order).toEqual(['third']);
    expect(turns.counts).toEqual({ holding: 0, waiting: 0 });
    await expect(turns.run(async () => 'never', AbortSignal.abort())).rejects.toThrow(
      'refused: gone',
    );
    expect(turns.counts).toEqual({ holding: 0, waiting: 0 });
  });
});
