import type { AccountStore } from '../../features/account/account.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresAccount(_context: PostgresContext): AccountStore {
  return {};
}
