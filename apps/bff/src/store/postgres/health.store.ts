import type { HealthStore } from '../../features/health/health.store.ts';
import { unappliedPostgresMigrations } from './client.ts';
import type { PostgresContext } from './context.ts';

export function postgresHealth({ db }: PostgresContext): HealthStore {
  return {
    async ready() {
      return { unappliedMigrations: await unappliedPostgresMigrations(db) };
    },
  };
}
