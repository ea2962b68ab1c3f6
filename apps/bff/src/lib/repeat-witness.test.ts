import { describe, expect, it } from 'vitest';
import { type RepeatableEntry, repeatRow } from './audit-repeat-rows.ts';
import { lostCountEntry, RepeatWitness } from './repeat-witness.ts';

const MINUTE = 60_000;
const M0 = 28_333_333 * MINUTE;
const meta = { ip: '203.0.113.7', userAgent: null, requestId: null };
const refusal = (at: number, userId = 7): RepeatableEntry => ({
  type: 'impersonation.refused',
  at,
  actor: { userId, kind: 'operator' },
  organizationId: 3,
});
const rowOf = (at: number, userId = 7) => repeatRow(refusal(at, userId), 'operator_door', meta);

describe('the repeat witness (ADR 048)', () => {
  it('remembers a bounded number of counters: a flood of distinct ones is witnessed up to the bound', () => {
    const witness = new RepeatWitness({ oneWriter: true, max: 2 });
    for (const userId of [1, 2, 3])
      witness.counted(rowOf(M0, userId), { stripe: 0, stored: 1 }, true);
    expect(witness.size).toBe(2);
    // The third was not remembered: its counter set back shows nothing.
    witness.counted(rowOf(M0 + 1, 3), { stripe: 0, stored: 2 }, false);
    expect(witness.counted(rowOf(M0 + 2, 3), { stripe: 0, stored: 1 }, true)).toBeNull();
    // The first two were: one set back is seen.
    witness.counted(rowOf(M0 + 1, 1), { stripe: 0, stored: 2 }, false);
    witness.counted(rowOf(M0 + 2, 1), { stripe: 0, stored: 3 }, false);
    expect(witness.counted(rowOf(M0 + 3, 1), { stripe: 0, stored: 2 }, false)).toMatchObject({
      counted: 4,
      stored: 2,
      lost: 2,
    });
  });

  it('forgets every minute a flush closed, so what it holds does not grow with time', () => {
    const witness = new RepeatWitness({ oneWriter: false });
    witness.counted(rowOf(M0), { stripe: 11, stored: 1 }, true);
    witness.counted(rowOf(M0 + MINUTE), { stripe: 11, stored: 1 }, true);
    expect(witness.size).toBe(2);
    expect(witness.flushed(M0 / MINUTE + 1, [])).toEqual([]);
    expect(witness.size).toBe(1);
  });

  it('reports each loss once, and the event it appends names the counter, what was counted and what it held', () => {
    const witness = new RepeatWitness({ oneWriter: true });
    const reported: number[] = [];
    witness.report = (loss) => reported.push(loss.lost);
    for (let i = 0; i < 5; i++)
      witness.counted(rowOf(M0 + i), { stripe: 0, stored: i + 1 }, i === 0);
    const [loss] = witness.flushed(M0 / MINUTE + 1, [{ ...rowOf(M0 + 4), stripe: 0, count: 2 }]);
    expect(reported).toEqual([3]);
    if (!loss) throw new Error('the loss is reported');
    expect(lostCountEntry(loss)).toMatchObject({
      type: 'audit.repeated',
      at: M0 + 4,
      actor: { userId: 7, kind: 'operator' },
      organizationId: 3,
      details: {
        type: 'impersonation.refused',
        rule: 'operator_door',
        repeats: 3,
        minute: new Date(M0).toISOString(),
        counter: { counted: 5, stored: 2 },
      },
    });
    expect(witness.size).toBe(0);
  });

  it('never reports more lost than it counted, less the first event it wrote: a row zeroed or set below zero', () => {
    const witness = new RepeatWitness({ oneWriter: true });
    for (let i = 0; i < 5; i++)
      witness.counted(rowOf(M0 + i), { stripe: 0, stored: i + 1 }, i === 0);
    // Zeroed at the flush: the first event accounts for one of the five.
    const [zeroed] = witness.flushed(M0 / MINUTE + 1, [{ ...rowOf(M0 + 4), stripe: 0, count: 0 }]);
    expect(zeroed?.lost).toBe(4);

    const again = new RepeatWitness({ oneWriter: true });
    for (let i = 0; i < 5; i++) again.counted(rowOf(M0 + i), { stripe: 0, stored: i + 1 }, i === 0);
    // Set to -100, then counted into: the row answers -99.
    const loss = again.counted(rowOf(M0 + 5), { stripe: 0, stored: -99 }, false);
    expect(loss?.lost ?? 0).toBeLessThanOrEqual(5);
  });
});
