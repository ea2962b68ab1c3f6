import type { LoginTokensStore } from '../../features/login-tokens/login-tokens.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresLoginTokens(_context: PostgresContext): LoginTokensStore {
  return {};
}
