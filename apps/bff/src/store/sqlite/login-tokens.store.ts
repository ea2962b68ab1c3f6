import type { LoginTokensStore } from '../../features/login-tokens/login-tokens.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteLoginTokens(_context: SqliteContext): LoginTokensStore {
  return {};
}
