import type { ProfilesStore } from '../../features/profiles/profiles.store.ts';
import type { SqliteContext } from './context.ts';

export function sqliteProfiles(_context: SqliteContext): ProfilesStore {
  return {};
}
