import type { TestModeStore } from '../../features/test-mode/test-mode.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteTestMode(_context: SqliteContext): TestModeStore {
  return {};
}
