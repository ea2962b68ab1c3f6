import type { CommerceStore } from '../../features/commerce/commerce.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteCommerce(_context: SqliteContext): CommerceStore {
  return {};
}
