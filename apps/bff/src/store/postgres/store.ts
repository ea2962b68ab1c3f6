import type { Store } from '../store.ts';
import { postgresAccount } from './account.store.ts';
import { postgresApiKeys } from './api-keys.store.ts';
import { postgresAudit } from './audit.store.ts';
import { confirmSecretOnKeyedWrites } from './audit.ts';
import { postgresAuth } from './auth.store.ts';
import type { PgDb } from './client.ts';
import { postgresCommerce } from './commerce.store.ts';
import type { PostgresContext } from './context.ts';
import { postgresCredentials } from './credentials.store.ts';
import { postgresHealth } from './health.store.ts';
import { postgresImpersonation } from './impersonation.store.ts';
import { postgresJobs } from './jobs.store.ts';
import { postgresLoginTokens } from './login-tokens.store.ts';
import { postgresOneClick } from './one-click.store.ts';
import { postgresOutbox } from './outbox.store.ts';
import { postgresProfiles } from './profiles.store.ts';
import { postgresSettings } from './settings.store.ts';
import { postgresTeam } from './team.store.ts';
import { postgresTestMode } from './test-mode.store.ts';
import { postgresUsers } from './users.store.ts';

/**
 * The PostgreSQL adapter: each command one transaction on the pool. A command's store (`pnpm
 * cli …`) is given the key the database's secret check is sealed with (`confirmSecretWith`):
 * each of its keyed writes confirms the secret in its own transaction (audit.ts).
 */
export function createPostgresStore(
  db: PgDb,
  options: { auditKey: Buffer; confirmSecretWith?: Buffer },
): Store {
  if (options.confirmSecretWith) {
    confirmSecretOnKeyedWrites(options.auditKey, options.confirmSecretWith);
  }
  const context: PostgresContext = { db, auditKey: options.auditKey };
  return {
    dialect: 'postgres',
    settings: postgresSettings(db, options.auditKey),
    team: postgresTeam(context),
    profiles: postgresProfiles(context),
    account: postgresAccount(context),
    users: postgresUsers(context),
    commerce: postgresCommerce(context),
    outbox: postgresOutbox(context),
    health: postgresHealth(context),
    testMode: postgresTestMode(context),
    auth: postgresAuth(context),
    apiKeys: postgresApiKeys(context),
    credentials: postgresCredentials(context),
    impersonation: postgresImpersonation(context),
    oneClick: postgresOneClick(context),
    loginTokens: postgresLoginTokens(context),
    audit: postgresAudit(context),
    jobs: postgresJobs(context),
  };
}
