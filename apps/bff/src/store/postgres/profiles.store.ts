import type { ProfilesStore } from '../../features/profiles/profiles.store.ts';
import type { PostgresContext } from './context.ts';

export function postgresProfiles(_context: PostgresContext): ProfilesStore {
  return {};
}
