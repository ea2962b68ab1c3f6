import type { OutboxStore } from '../../features/outbox/outbox.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteOutbox(_context: SqliteContext): OutboxStore {
  return {};
}
