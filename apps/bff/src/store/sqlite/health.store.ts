import type { HealthStore } from '../../features/health/health.store.ts';
import { unappliedMigrations } from './client.ts';
import type { SqliteContext } from './context.ts';

export function sqliteHealth({ db }: SqliteContext): HealthStore {
  return {
    async ready() {
      return { unappliedMigrations: unappliedMigrations(db) };
    },
  };
}
