import { openPostgres } from './postgres/client.ts';
import { createPostgresStore } from './postgres/store.ts';
import type { Store } from './store.ts';
import type { TestStore } from './test-stores.ts';

/**
 * Several processes on one PostgreSQL database, as far as the store can tell: each store its
 * own pool (its own connections), sharing nothing in memory. Pools end when `work` does.
 */
export async function onSeveralProcesses<T>(
  ts: Extract<TestStore, { dialect: 'postgres' }>,
  count: number,
  work: (stores: Store[]) => Promise<T>,
): Promise<T> {
  const opened = Array.from({ length: count }, () => openPostgres(ts.url, { max: 2 }));
  try {
    return await work(opened.map(({ db }) => createPostgresStore(db, { auditKey: ts.auditKey })));
  } finally {
    await Promise.all(opened.map(({ pool }) => pool.end()));
  }
}
