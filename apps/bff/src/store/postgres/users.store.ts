import type { UsersStore } from '../../features/users/users.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresUsers(_context: PostgresContext): UsersStore {
  return {};
}
