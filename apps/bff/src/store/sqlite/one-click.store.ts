import type { OneClickStore } from '../../features/one-click/one-click.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteOneClick(_context: SqliteContext): OneClickStore {
  return {};
}
