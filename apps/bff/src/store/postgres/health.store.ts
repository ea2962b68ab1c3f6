import type { HealthStore } from '../../features/health/health.store.ts';
import { postgresMigrationCounts } from './client.ts';
import type { PostgresContext } from './context.ts';

export function postgresHealth({ db }: PostgresContext): HealthStore {
  return {
    async ready() {
      return postgresMigrationCounts(db);
    },
  };
}
