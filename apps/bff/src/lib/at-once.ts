/**
 * Bounds on work in one process. Long reads (docs/decisions/025-long-reads-take-turns.md) run
 * for seconds, a page at a time, so no single one freezes the server; many at once would, by
 * taking every turn of the event loop (and, on PostgreSQL, every pooled connection). Costly
 * short work (password hashes, PostgreSQL's writers) takes turns, with a bounded wait.
 */

/** At most `perKey` runs for one key, and `inAll` in all; a start beyond either is refused. */
export class AtOnce {
  private readonly byKey = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly perKey: number,
    private readonly inAll: number,
  ) {}

  /**
   * The release of a run started for `key`, or null when `key` or the process is at its limit.
   * Releasing more than once releases once, so every way a run can end may call it.
   */
  tryStart(key: string): (() => void) | null {
    const forKey = this.byKey.get(key) ?? 0;
    if (forKey >= this.perKey || this.total >= this.inAll) return null;
    this.byKey.set(key, forKey + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byKey.get(key) ?? 1) - 1;
      if (left === 0) this.byKey.delete(key);
      else this.byKey.set(key, left);
    };
  }

  /** Runs going on, for one key or in all. */
  running(key?: string): number {
    return key === undefined ? this.total : (this.byKey.get(key) ?? 0);
  }
}

/**
 * One run at a time. A caller who comes while one runs gets the next run, which starts when
 * that one ends and is shared by everyone who came meanwhile: never a result that began before
 * they asked, and never more than one run waiting.
 */
export class OneAtATime<T> {
  private current: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  run(work: () => Promise<T>): Promise<T> {
    if (this.current === null) return this.start(work);
    this.next ??= this.current.then(
      () => this.startNext(work),
      () => this.startNext(work),
    );
    return this.next;
  }

  private startNext(work: () => Promise<T>): Promise<T> {
    this.next = null;
    return this.start(work);
  }

  private start(work: () => Promise<T>): Promise<T> {
    const running = Promise.resolve().then(work);
    this.current = running;
    const done = () => {
      if (this.current === running) this.current = null;
    };
    running.then(done, done);
    return running;
  }
}

/**
 * At most `limit` holders at once; the others wait in order, and each turn that ends is handed
 * straight to the first waiting, so the count never overshoots. Waiting is bounded both ways:
 * no more than `maxWaiting` wait (one more is refused at once), none waits longer than
 * `waitMs`, and one whose request is gone leaves the line. A refusal is the error `refuse`
 * makes for it.
 */
export class Turns {
  private holders = 0;
  private readonly waiting: { go(): void; timer: NodeJS.Timeout | undefined }[] = [];
  private readonly maxWaiting: number;
  private readonly waitMs: number;

  constructor(
    private readonly limit: number,
    private readonly bounds: {
      maxWaiting?: number;
      waitMs?: number;
      refuse: (why: 'full' | 'timeout' | 'gone') => Error;
    },
  ) {
    this.maxWaiting = bounds.maxWaiting ?? Number.POSITIVE_INFINITY;
    this.waitMs = bounds.waitMs ?? Number.POSITIVE_INFINITY;
  }

  /**
   * A turn, at once or after waiting in line. `gone` is the request's own signal: when its
   * client goes away while it waits, it leaves the line (refused as 'gone') and nobody does its
   * work for nobody.
   */
  async take(gone?: AbortSignal): Promise<void> {
    if (gone?.aborted) throw this.bounds.refuse('gone');
    if (this.holders < this.limit) {
      this.holders++;
      return;
    }
    if (this.waiting.length >= this.maxWaiting) throw this.bounds.refuse('full');
    await new Promise<void>((resolve, reject) => {
      const leave = (why: 'timeout' | 'gone') => {
        clearTimeout(entry.timer);
        gone?.removeEventListener('abort', onGone);
        const at = this.waiting.indexOf(entry);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(this.bounds.refuse(why));
      };
      const onGone = () => leave('gone');
      const entry = {
        go: () => {
          clearTimeout(entry.timer);
          gone?.removeEventListener('abort', onGone);
          resolve();
        },
        timer:
          this.waitMs === Number.POSITIVE_INFINITY
            ? undefined
            : setTimeout(() => leave('timeout'), this.waitMs),
      };
      gone?.addEventListener('abort', onGone, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Hands the turn to the first waiting, if any: the count of holders stays the same. */
  give(): void {
    const next = this.waiting.shift();
    if (next) next.go();
    else this.holders--;
  }

  /** `work` in a turn of its own, given back however it ends. */
  async run<T>(work: () => Promise<T>, gone?: AbortSignal): Promise<T> {
    await this.take(gone);
    try {
      return await work();
    } finally {
      this.give();
    }
  }

  /** Holders and waiting, for tests and metrics. */
  get counts(): { holding: number; waiting: number } {
    return { holding: this.holders, waiting: this.waiting.length };
  }
}
