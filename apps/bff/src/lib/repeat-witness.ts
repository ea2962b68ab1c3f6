import type { AuditEntry } from './audit-event.ts';
import { type RepeatCounter, repeatSummary } from './audit-repeat-rows.ts';

/**
 * The process's own memory of the repeats it counted (docs/decisions/048-repeat-witness.md).
 *
 * A minute's repeats are counters in the database until the minute is over and its summary is
 * appended to the chain. Whoever can write to the database but does not hold the chain's key
 * could set a counter back, or delete it, before then, and a flood would be summarised as
 * smaller than it was, or not at all, while the trail still verifies (found by a review). No
 * state in the database can show that: a counter and any seal on it can be put back, whole, to
 * an earlier valid state. So, as with the chain's head (ADR 020), the process is its own witness:
 * it remembers how many it counted into each counter row, compares every count the database
 * answers, and every row it summarises, with that, and appends what went missing.
 *
 * Store-free; each adapter feeds it (store/sqlite/audit-repeats.ts, store/postgres/audit-repeats.ts).
 */

/** A counter as the adapter wrote it: enough to summarise it if its row is gone. */
export type WitnessedRow = RepeatCounter & { key: string };

/** Counts of one counter row that the database no longer holds. */
export interface LostCount {
  row: WitnessedRow;
  /** How many this process counted into the row. */
  counted: number;
  /** What the row held when the loss was seen; null when it was gone. */
  stored: number | null;
  /** Counts that neither the row nor an event in the trail accounts for any more (at least). */
  lost: number;
}

interface Witnessed {
  row: WitnessedRow;
  /** Counts this process made into the row since it was made (or since a loss was reported). */
  counted: number;
  /** Whether the row's first count wrote the minute's first event (which accounts for one). */
  wroteFirst: boolean;
}

/** Counter rows remembered at most: a flood of distinct keys is witnessed up to this many. */
const MAX_WITNESSED = 20_000;

export interface WitnessOptions {
  /**
   * Whether this process is the only one writing the counters (SQLite). Then a row it counted
   * into that is gone, or made anew, was deleted. With several processes (PostgreSQL), another
   * may have summarised and deleted it, a flush that a clock a little ahead of this one's runs
   * early, and only a row that holds fewer than this process put into it, yet more than the
   * one count that would start it again, shows a loss.
   */
  oneWriter: boolean;
  max?: number;
}

export class RepeatWitness {
  /** The rows counted into, by minute, then by key and stripe. */
  readonly #minutes = new Map<number, Map<string, Witnessed>>();
  #size = 0;
  readonly #max: number;
  readonly #oneWriter: boolean;
  /** Told of every loss, for the server's log (a place the database cannot reach). */
  report: (loss: LostCount) => void = () => {};

  constructor(options: WitnessOptions) {
    this.#oneWriter = options.oneWriter;
    this.#max = options.max ?? MAX_WITNESSED;
  }

  /** Counter rows remembered now (for tests and the bound). */
  get size(): number {
    return this.#size;
  }

  /**
   * One count made into a row (on SQLite the minute's one row; on PostgreSQL the row of the
   * connection it ran on, `stripe`), and the count the row holds after it. A row holding less
   * than this process put into it was set back or deleted meanwhile: what is missing is
   * returned, for the adapter to append in the count's transaction.
   */
  counted(
    row: WitnessedRow,
    stripe: number,
    stored: number,
    /** Whether this count wrote the minute's first event. */
    wroteFirst: boolean,
  ): LostCount | null {
    let rows = this.#minutes.get(row.minute);
    const id = idOf(row.key, stripe);
    const seen = rows?.get(id);
    if (!seen) {
      if (this.#size >= this.#max) return null;
      if (!rows) {
        rows = new Map();
        this.#minutes.set(row.minute, rows);
      }
      rows.set(id, { row, counted: 1, wroteFirst });
      this.#size++;
      return null;
    }
    seen.row = row;
    const expected = seen.counted + 1;
    if (stored >= expected) {
      seen.counted = expected;
      return null;
    }
    // The row held less than this process counted into it. Made anew by this count (it holds
    // only this one), the old row's counts are lost but for the first event it wrote; set back,
    // every count above what it holds now is.
    const madeAnew = stored === 1;
    const lost = madeAnew ? seen.counted - (seen.wroteFirst ? 1 : 0) : expected - stored;
    seen.counted = stored;
    if (madeAnew) seen.wroteFirst = wroteFirst;
    if (lost <= 0 || (madeAnew && !this.#oneWriter)) return null;
    const loss = { row, counted: expected, stored: madeAnew ? null : stored, lost };
    this.report(loss);
    return loss;
  }

  /**
   * The rows a flush took (summarised and deleted) for every minute before `before`. A taken row
   * holding less than this process counted into it lost the difference. With one writer, a row
   * this process counted into and the flush did not find was deleted: its counts are lost but
   * for its first event. Every minute before `before` is then forgotten.
   */
  flushed(
    before: number,
    taken: readonly { key: string; minute: number; stripe: number; count: number }[],
  ): LostCount[] {
    const losses: LostCount[] = [];
    for (const row of taken) {
      const rows = this.#minutes.get(row.minute);
      const id = idOf(row.key, row.stripe);
      const seen = rows?.get(id);
      if (!rows || !seen) continue;
      rows.delete(id);
      this.#size--;
      if (row.count < seen.counted) {
        losses.push({
          row: seen.row,
          counted: seen.counted,
          stored: row.count,
          lost: seen.counted - row.count,
        });
      }
    }
    for (const [minute, rows] of this.#minutes) {
      if (minute >= before) continue;
      this.#minutes.delete(minute);
      this.#size -= rows.size;
      if (!this.#oneWriter) continue;
      for (const seen of rows.values()) {
        const lost = seen.counted - (seen.wroteFirst ? 1 : 0);
        if (lost > 0) losses.push({ row: seen.row, counted: seen.counted, stored: null, lost });
      }
    }
    for (const loss of losses) this.report(loss);
    return losses;
  }
}

const idOf = (key: string, stripe: number) => `${stripe}|${key}`;

const witnesses = new WeakMap<object, RepeatWitness>();

/**
 * The witness of the store behind `owner` (the database handle its adapter counts through), one
 * per store, so two stores in one process (as in tests) witness apart.
 */
export function repeatWitnessOf(owner: object, options: WitnessOptions): RepeatWitness {
  let witness = witnesses.get(owner);
  if (witness === undefined) {
    witness = new RepeatWitness(options);
    witnesses.set(owner, witness);
  }
  return witness;
}

/**
 * The `audit.repeated` event that puts lost counts back in the trail: the counter's summary for
 * the counts the database lost, saying what this process counted and what the row held.
 */
export function lostCountEntry(loss: LostCount): AuditEntry {
  const summary = repeatSummary({ ...loss.row, count: loss.lost + 1 });
  if (!summary) throw new Error('a loss is of one count at least');
  return {
    ...summary,
    details: { ...summary.details, counter: { counted: loss.counted, stored: loss.stored } },
  };
}
