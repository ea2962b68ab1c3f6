import type { AuditStore } from '../../features/audit/audit.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteAudit(_context: SqliteContext): AuditStore {
  return {};
}
