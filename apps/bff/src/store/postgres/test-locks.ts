import pg from 'pg';

/**
 * Two commands put in the order two requests may take: a connection of its own holds a row one
 * of them needs (`holdRow`) until the other is waiting too (`lockWaiters`), then lets go.
 */

/** Runs `lock` (a `SELECT … FOR UPDATE`) in a transaction of its own, held until the release. */
export async function holdRow(url: string, lock: string): Promise<() => Promise<void>> {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(lock);
  return async () => {
    await holder.query('COMMIT');
    await holder.end();
  };
}

/**
 * Waits until `n` connections to the pool's database wait for a lock, for up to 12 s: the whole
 * suite on two cores once kept a server's start from reaching its wait within 5 s. Asked on the
 * pool, never in the holder's transaction: a transaction sees `pg_stat_activity` as it was at
 * its first look.
 */
export async function lockWaiters(pool: pg.Pool, n: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if ((rows[0]?.n ?? 0) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never ${n} connections waiting for a lock`);
}
