import type { ImpersonationStore } from '../../features/impersonation/impersonation.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresImpersonation(_context: PostgresContext): ImpersonationStore {
  return {};
}
