import type { SettingsStore } from '../features/settings/settings.store.ts';

/**
 * Everything the services read and commit, behind one port per feature (STYLE.md, "The data
 * layer"): a service reads what it needs, asks the domain, then commits one command, which
 * carries its audit event so that the append shares the change's transaction on every store.
 * Two adapters implement it: SQLite (store/sqlite/store.ts), the embedded default, and
 * PostgreSQL (store/postgres/store.ts) for several processes. docs/decisions/019-store-ports.md.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly settings: SettingsStore;
}
