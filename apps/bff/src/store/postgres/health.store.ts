import type { HealthStore } from '../../features/health/health.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresHealth(_context: PostgresContext): HealthStore {
  return {};
}
