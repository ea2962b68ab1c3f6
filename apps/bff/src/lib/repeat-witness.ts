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

/**
 * One counter row as the database answered it: on PostgreSQL with the mark it was made with
 * (`made`), so that a row another process summarised and a late count made again is told from
 * the same row set back; on SQLite, whose one server takes every row, none.
 */
export interface CounterState {
  stripe: number;
  stored: number;
  made?: string | null;
}

interface Witnessed {
  row: WitnessedRow;
  made: string | null;
  /** Counts this process made into the row. */
  counted: number;
  /** The minute's first events this process wrote with counts into the row. */
  firsts: number;
  /** Counts already reported lost, so that none is appended twice. */
  reported: number;
}

/**
 * What the trail accounts for of a row holding `stored` whose counts wrote `firsts` first
 * events: each first event, and the summary's repeats (all but one of what the row holds,
 * when a first was written with it). A row set to zero or below still has its first event.
 */
function accountedFor(stored: number, firsts: number): number {
  return firsts === 0 ? Math.max(stored, 0) : firsts - 1 + Math.max(stored, 1);
}

/** Counter rows remembered at most: a flood of distinct keys is witnessed up to this many. */
const MAX_WITNESSED = 20_000;

export interface WitnessOptions {
  /**
   * Whether one process takes every counter (SQLite's server). Then a row it counted into that
   * its flush does not find was deleted. With several processes (PostgreSQL), another may have
   * taken it, a little early when its clock runs ahead, and a late count may have made it
   * again (another `made`): such a row awaits the summary that names it (`settle`).
   */
  oneWriter: boolean;
  max?: number;
}

export class RepeatWitness {
  /** The rows counted into, by minute, then by key and stripe. */
  readonly #minutes = new Map<number, Map<string, Witnessed>>();
  /**
   * Several processes: rows this process counted into that another took, by their mark,
   * awaiting the summary that names them (`settle`).
   */
  readonly #awaiting = new Map<string, Witnessed>();
  #size = 0;
  /**
   * Several processes: the newest event id this process had read the trail to (`settle`),
   * taken before its first count, so every summary of a minute it counted in comes after it.
   */
  mark: number | undefined;
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
   * connection it ran on), committed, and the row as it answered. A row the trail would
   * account for less of than this process put into it was set back or deleted meanwhile: what
   * is missing is returned, for the adapter to append.
   */
  counted(
    row: WitnessedRow,
    state: CounterState,
    /** Whether this count wrote the minute's first event. */
    wroteFirst: boolean,
  ): LostCount | null {
    let rows = this.#minutes.get(row.minute);
    const id = idOf(row.key, state.stripe);
    const seen = rows?.get(id);
    const made = state.made ?? null;
    const firsts = wroteFirst ? 1 : 0;
    if (!seen || seen.made !== made) {
      // First seen, or (PostgreSQL) made again after another process took it: the one before
      // awaits the summary that names it.
      if (seen) {
        this.#awaitSummary({ ...seen });
        Object.assign(seen, { row, made, counted: 1, firsts, reported: 0 });
        return null;
      }
      if (this.#size >= this.#max) return null;
      if (!rows) {
        rows = new Map();
        this.#minutes.set(row.minute, rows);
      }
      rows.set(id, { row, made, counted: 1, firsts, reported: 0 });
      this.#size++;
      return null;
    }
    seen.row = row;
    seen.counted++;
    seen.firsts += firsts;
    return this.#judge(seen, state.stored);
  }

  /**
   * The rows a flush took (summarised and deleted) for every minute before `before`, committed.
   * A taken row the trail accounts for less of than this process counted into it lost the
   * difference. With one writer, a row this process counted into and the flush did not find
   * was deleted: all but its first events are lost; with several, it awaits the summary that
   * names it (`settle`). Every minute before `before` is then forgotten.
   */
  flushed(
    before: number,
    taken: readonly {
      key: string;
      minute: number;
      stripe: number;
      count: number;
      made?: string | null;
    }[],
  ): LostCount[] {
    const losses: LostCount[] = [];
    for (const row of taken) {
      const rows = this.#minutes.get(row.minute);
      const id = idOf(row.key, row.stripe);
      const seen = rows?.get(id);
      if (!rows || !seen || seen.made !== (row.made ?? null)) continue;
      rows.delete(id);
      this.#size--;
      const loss = this.#judge(seen, row.count);
      if (loss) losses.push(loss);
    }
    for (const [minute, rows] of this.#minutes) {
      if (minute >= before) continue;
      this.#minutes.delete(minute);
      this.#size -= rows.size;
      for (const seen of rows.values()) {
        if (!this.#oneWriter) {
          this.#awaitSummary(seen);
          continue;
        }
        const loss = this.#judge(seen, null);
        if (loss) losses.push(loss);
      }
    }
    return losses;
  }

  /**
   * Several processes: the rows every summary appended since `mark` took (their mark and
   * count), read after this process's own flush of every closed minute, when each row it
   * counted into is either in one of them or was deleted. A row in a summary is judged by what
   * it held when taken, whether its minute is closed here or not; a row of a closed minute in
   * none was deleted: all but its first events are lost.
   */
  settle(taken: readonly { made: string; count: number }[]): LostCount[] {
    const losses: LostCount[] = [];
    // Rows of minutes still open here that another process, its clock ahead, took already:
    // found by their mark too, since the trail is not read again before `mark`.
    const open = new Map<string, { rows: Map<string, Witnessed>; id: string }>();
    for (const rows of this.#minutes.values()) {
      for (const [id, seen] of rows) if (seen.made !== null) open.set(seen.made, { rows, id });
    }
    for (const { made, count } of taken) {
      const awaited = this.#awaiting.get(made);
      const early = awaited ? undefined : open.get(made);
      const seen = awaited ?? early?.rows.get(early.id);
      if (!seen) continue;
      if (awaited) this.#awaiting.delete(made);
      else if (early) early.rows.delete(early.id);
      this.#size--;
      const loss = this.#judge(seen, count);
      if (loss) losses.push(loss);
    }
    for (const seen of this.#awaiting.values()) {
      const loss = this.#judge(seen, null);
      if (loss) losses.push(loss);
    }
    this.#size -= this.#awaiting.size;
    this.#awaiting.clear();
    return losses;
  }

  #awaitSummary(seen: Witnessed): void {
    // Only what a summary could leave unaccounted for, and within the bound.
    if (seen.made === null || seen.counted - seen.firsts - seen.reported <= 0) return;
    if (this.#size >= this.#max) return;
    this.#awaiting.set(seen.made, seen);
    this.#size++;
  }

  /** What the row lost, beyond what was reported already; reported once. */
  #judge(seen: Witnessed, stored: number | null): LostCount | null {
    const accounted = accountedFor(stored ?? 0, seen.firsts);
    const lost = seen.counted - accounted - seen.reported;
    if (lost <= 0) return null;
    seen.reported += lost;
    const loss = { row: seen.row, counted: seen.counted, stored, lost };
    this.report(loss);
    return loss;
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
