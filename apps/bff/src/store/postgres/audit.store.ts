import type { AuditStore } from '../../features/audit/audit.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresAudit(_context: PostgresContext): AuditStore {
  return {};
}
