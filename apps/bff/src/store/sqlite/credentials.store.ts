import type { CredentialsStore } from '../../features/credentials/credentials.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteCredentials(_context: SqliteContext): CredentialsStore {
  return {};
}
