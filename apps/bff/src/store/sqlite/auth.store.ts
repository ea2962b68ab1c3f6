import type { AuthStore } from '../../features/auth/auth.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteAuth(_context: SqliteContext): AuthStore {
  return {};
}
