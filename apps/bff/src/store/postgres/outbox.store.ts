import type { OutboxStore } from '../../features/outbox/outbox.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresOutbox(_context: PostgresContext): OutboxStore {
  return {};
}
