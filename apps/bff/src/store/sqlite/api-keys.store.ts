import type { ApiKeysStore } from '../../features/api-keys/api-keys.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteApiKeys(_context: SqliteContext): ApiKeysStore {
  return {};
}
