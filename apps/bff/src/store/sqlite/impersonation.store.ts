import type { ImpersonationStore } from '../../features/impersonation/impersonation.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteImpersonation(_context: SqliteContext): ImpersonationStore {
  return {};
}
