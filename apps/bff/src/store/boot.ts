import type { Env } from '../env.ts';
import type { AnchoredHead, AnchorMove } from '../lib/audit-anchor.ts';
import type { Logger } from '../lib/logger.ts';
import type { MetricsSources } from '../lib/metrics.ts';
import type { StoreFactory } from '../lib/rate-limit.ts';
import type { LostCount } from '../lib/repeat-witness.ts';
import type { ServerSecret } from '../lib/server-secret.ts';
import type { PublicJwk, SigningKeys } from '../lib/signing-keys.ts';
import type { DemoSeed } from './demo.ts';
import { bootPostgres } from './postgres/boot.ts';
import { bootSqlite } from './sqlite/boot.ts';
import type { CommitGroups } from './sqlite/commit-groups.ts';
import type { Store } from './store.ts';

/**
 * A store opened for the server, migrated and holding the demo when it was empty, with what
 * goes with it on that database: SQLite under DATA_DIR for one process, or PostgreSQL
 * (DATABASE_URL) for as many as wanted (SPEC §11).
 */
export interface BootedStore {
  store: Store;
  keys: SigningKeys;
  /**
   * The JWKS: this process's public key, and on PostgreSQL every other key a process of the
   * deployment signs with (the same set from each).
   */
  publishedKeys(): Promise<PublicJwk[]>;
  secret: ServerSecret;
  /** The audit chain's head, kept outside the database (ADR 017, 020). */
  auditAnchor: { read(): AnchoredHead | null };
  /** Moves that head to the newest event; `rewritten` when the trail no longer holds it. */
  advanceAuditAnchor(): Promise<AnchorMove>;
  /**
   * Tells `report` of repeat counts the database lost before their minute's summary (set back
   * or deleted there), as this process witnessed them (ADR 048); they are appended too.
   */
  watchRepeatLosses(report: (loss: LostCount) => void): void;
  /** Where rate-limit budgets are counted: the database's, or a file beside it; memory when absent. */
  limiterStore?: StoreFactory;
  metricsSources: MetricsSources;
  commitGroups?: CommitGroups;
  /**
   * What the server does once a minute (`startHousekeeping`): the impersonations whose end has
   * passed with nobody using them ended and audited (ADR 041); sessions a month past their
   * expiry deleted (ADR 004); the repeats counted in closed minutes summarised into the audit
   * trail, so the last minute of a flood is on it as soon as that minute ends, not at the next
   * repeat; rate-limit counters past their window deleted, in batches. On PostgreSQL, each
   * process says it still signs with its key (ADR 040).
   */
  housekeeping(now: number): Promise<void>;
  /** What this start did about the demo (store/demo.ts `DemoSeed`). */
  demo: DemoSeed;
  /** A failure of the database during the start's checks, as one line for the operator. */
  describeFailure(error: unknown): unknown;
  /** After the last request: closes the database. */
  close(): Promise<void>;
}

export interface BootHooks {
  logger: Logger;
  /** A commit failed and the store cannot take writes: the server must stop. */
  onFatal(error: unknown): void;
  /** One group commit on SQLite, and how many transactions it held (for /metrics). */
  onCommitGroup(transactions: number): void;
}

/** PostgreSQL when DATABASE_URL is set, else SQLite under DATA_DIR. */
export function bootStore(env: Env, hooks: BootHooks): Promise<BootedStore> {
  return env.DATABASE_URL ? bootPostgres(env, env.DATABASE_URL) : bootSqlite(env, hooks);
}
