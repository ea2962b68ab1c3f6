import type { TeamStore } from '../../features/team/team.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresTeam(_context: PostgresContext): TeamStore {
  return {};
}
