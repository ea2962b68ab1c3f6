import type { OneClickStore } from '../../features/one-click/one-click.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresOneClick(_context: PostgresContext): OneClickStore {
  return {};
}
