import type { TestModeStore } from '../../features/test-mode/test-mode.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresTestMode(_context: PostgresContext): TestModeStore {
  return {};
}
