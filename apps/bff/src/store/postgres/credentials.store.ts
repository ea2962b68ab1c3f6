import type { CredentialsStore } from '../../features/credentials/credentials.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresCredentials(_context: PostgresContext): CredentialsStore {
  return {};
}
