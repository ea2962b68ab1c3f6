import type { HealthStore } from '../../features/health/health.store.ts';
import { migrationCounts } from './client.ts';
import type { SqliteContext } from './context.ts';

export function sqliteHealth({ db }: SqliteContext): HealthStore {
  return {
    async ready() {
      return migrationCounts(db);
    },
  };
}
