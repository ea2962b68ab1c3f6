import type { AccountStore } from '../features/account/account.store.ts';
import type { ApiKeysStore } from '../features/api-keys/api-keys.store.ts';
import type { AuditStore } from '../features/audit/audit.store.ts';
import type { AuthStore } from '../features/auth/auth.store.ts';
import type { CommerceStore } from '../features/commerce/commerce.store.ts';
import type { CredentialsStore } from '../features/credentials/credentials.store.ts';
import type { HealthStore } from '../features/health/health.store.ts';
import type { ImpersonationStore } from '../features/impersonation/impersonation.store.ts';
import type { LoginTokensStore } from '../features/login-tokens/login-tokens.store.ts';
import type { OneClickStore } from '../features/one-click/one-click.store.ts';
import type { OutboxStore } from '../features/outbox/outbox.store.ts';
import type { ProfilesStore } from '../features/profiles/profiles.store.ts';
import type { SettingsStore } from '../features/settings/settings.store.ts';
import type { TeamStore } from '../features/team/team.store.ts';
import type { TestModeStore } from '../features/test-mode/test-mode.store.ts';
import type { UsersStore } from '../features/users/users.store.ts';
import type { JobsStore } from '../lib/jobs.ts';

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
  readonly team: TeamStore;
  readonly profiles: ProfilesStore;
  readonly account: AccountStore;
  readonly users: UsersStore;
  readonly commerce: CommerceStore;
  readonly outbox: OutboxStore;
  readonly health: HealthStore;
  readonly testMode: TestModeStore;
  readonly auth: AuthStore;
  readonly apiKeys: ApiKeysStore;
  readonly credentials: CredentialsStore;
  readonly impersonation: ImpersonationStore;
  readonly oneClick: OneClickStore;
  readonly loginTokens: LoginTokensStore;
  readonly audit: AuditStore;
  /** Background work that survives a restart (lib/jobs.ts). */
  readonly jobs: JobsStore;
}
