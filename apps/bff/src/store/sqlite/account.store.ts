import type { AccountStore } from '../../features/account/account.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteAccount(_context: SqliteContext): AccountStore {
  return {};
}
