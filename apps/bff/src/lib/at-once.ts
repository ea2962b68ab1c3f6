/**
 * Bounds on long work in one process (docs/decisions/025-long-reads-take-turns.md): each of
 * these runs for seconds, a page at a time, so no single one freezes the server; many at once
 * would, by taking every turn of the event loop (and, on PostgreSQL, every pooled connection).
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
