import type { UsersStore } from '../../features/users/users.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteUsers(_context: SqliteContext): UsersStore {
  return {};
}
