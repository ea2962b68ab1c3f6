import type { HealthStore } from '../../features/health/health.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteHealth(_context: SqliteContext): HealthStore {
  return {};
}
