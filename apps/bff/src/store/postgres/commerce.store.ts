import type { CommerceStore } from '../../features/commerce/commerce.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresCommerce(_context: PostgresContext): CommerceStore {
  return {};
}
