import type { ApiKeysStore } from '../../features/api-keys/api-keys.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresApiKeys(_context: PostgresContext): ApiKeysStore {
  return {};
}
