import type { Store } from '../store.ts';
import { sqliteAccount } from './account.store.ts';
import { sqliteApiKeys } from './api-keys.store.ts';
import { sqliteAudit } from './audit.store.ts';
import type { AuditSearchReader } from './audit-search-reader.ts';
import { sqliteAuth } from './auth.store.ts';
import type { Db } from './client.ts';
import { sqliteCommerce } from './commerce.store.ts';
import type { SqliteContext } from './context.ts';
import { sqliteCredentials } from './credentials.store.ts';
import { sqliteHealth } from './health.store.ts';
import { sqliteImpersonation } from './impersonation.store.ts';
import { sqliteJobs } from './jobs.store.ts';
import { sqliteLoginTokens } from './login-tokens.store.ts';
import { sqliteOneClick } from './one-click.store.ts';
import { sqliteOutbox } from './outbox.store.ts';
import { sqliteProfiles } from './profiles.store.ts';
import { sqliteSettings } from './settings.store.ts';
import { sqliteTeam } from './team.store.ts';
import { sqliteTestMode } from './test-mode.store.ts';
import { sqliteUsers } from './users.store.ts';

/** The SQLite adapter: each command one synchronous better-sqlite3 transaction. */
export function createSqliteStore(
  db: Db,
  options: { searchReader?: AuditSearchReader } = {},
): Store {
  const context: SqliteContext = { db, ...options };
  return {
    dialect: 'sqlite',
    settings: sqliteSettings(db),
    team: sqliteTeam(context),
    profiles: sqliteProfiles(context),
    account: sqliteAccount(context),
    users: sqliteUsers(context),
    commerce: sqliteCommerce(context),
    outbox: sqliteOutbox(context),
    health: sqliteHealth(context),
    testMode: sqliteTestMode(context),
    auth: sqliteAuth(context),
    apiKeys: sqliteApiKeys(context),
    credentials: sqliteCredentials(context),
    impersonation: sqliteImpersonation(context),
    oneClick: sqliteOneClick(context),
    loginTokens: sqliteLoginTokens(context),
    audit: sqliteAudit(context),
    jobs: sqliteJobs(context),
  };
}
