import type { ErrorCode } from '@onbehalf/contracts/errors';
import type { EndReason } from '@onbehalf/contracts/impersonation';
import type { CredentialKind, CredentialMaker } from '@onbehalf/contracts/login-links';
import type { Permission } from '@onbehalf/contracts/permissions';
import type { Env } from './env.ts';
import type { AnchoredHead } from './lib/audit-anchor.ts';
import type { Clock, TestClocks } from './lib/clock.ts';
import type { JobRunner } from './lib/jobs.ts';
import type { Logger } from './lib/logger.ts';
import type { Mailer } from './lib/mail.ts';
import type { Metrics } from './lib/metrics.ts';
import type { Limiters } from './lib/rate-limit.ts';
import type { RequestMeta } from './lib/request-meta.ts';
import type { ServerSecret } from './lib/server-secret.ts';
import type { PublicJwk, SigningKeys } from './lib/signing-keys.ts';
import type {
  ApiKeyRow,
  ImpersonationRow,
  OrganizationRow,
  ProfileRow,
  SessionRow,
  SessionUser,
} from './store/rows.ts';
import type { Store } from './store/store.ts';

/** Everything a request handler may reach; built once by the server, or per test. */
export interface AppDeps {
  /** The store port: what services read and commit (store/store.ts). */
  store: Store;
  env: Env;
  clock: Clock;
  limiters: Limiters;
  keys: SigningKeys;
  /** What `/.well-known/jwks.json` publishes (`BootedStore.publishedKeys`). */
  publishedKeys(): Promise<PublicJwk[]>;
  secret: ServerSecret;
  /** In test mode only: the clocks /api/test/clock moves (`clock` reads them). */
  testClocks?: TestClocks;
  /** The audit chain's head, kept outside the database (the server advances it). */
  auditAnchor: { read(): AnchoredHead | null };
  mailer: Mailer;
  background: JobRunner;
  /**
   * On SQLite, the group commit holding this turn's writes (store/sqlite/commit-groups.ts): an
   * answer waits for it. PostgreSQL commits each command before it returns.
   */
  commitGroups?: { pending(): Promise<void> | null };
  /** JSON lines: the request log and the server's own (lib/logger.ts). */
  logger: Logger;
  /** Prometheus metrics of this app, served at GET /metrics (lib/metrics.ts). */
  metrics: Metrics;
}

/** Present when the session acts as its user on someone else's behalf. */
export interface ImpersonationContext {
  row: ImpersonationRow;
  actorUser: SessionUser;
  /** When it ends: the session's expiry, or sooner if a limit was lowered since it started. */
  endsAt: number;
}

/** Present when a credential handed over to a system (an integration) opened the session. */
export interface CredentialContext {
  kind: CredentialKind;
  id: string;
  /** The token's Extra, or what kind of link it is. */
  name: string;
  maker: CredentialMaker;
}

/** Who is making the request, resolved once per request by the session middleware. */
export interface AuthContext {
  session: SessionRow;
  user: SessionUser | null;
  profile: (ProfileRow & { organization: OrganizationRow }) | null;
  permissions: ReadonlySet<Permission>;
  impersonation: ImpersonationContext | null;
  /** The integration's credential that opened this session, if one did. */
  credential: CredentialContext | null;
  transport: 'cookie' | 'bearer';
}

export type AppEnv = {
  Variables: {
    deps: AppDeps;
    meta: RequestMeta;
    auth: AuthContext | null;
    /** An integration calling /api/sys/* with an API key instead of a session. */
    apiKey: ApiKeyRow | null;
    /** Why a presented token was not accepted, for a precise 401. */
    authFailure: 'session_expired' | 'unauthenticated' | null;
    /** Why the impersonation this browser was in has just ended, to tell the person once. */
    impersonationEnded: EndReason | null;
    /** The code of the error this request was answered with, for its log line and metrics. */
    errorCode?: ErrorCode;
    requestId: string;
  };
};
