import type { AuthStore } from '../../features/auth/auth.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresAuth(_context: PostgresContext): AuthStore {
  return {};
}
