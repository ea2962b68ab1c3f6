import type { TeamStore } from '../../features/team/team.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteTeam(_context: SqliteContext): TeamStore {
  return {};
}
