import { randomBytes } from 'node:crypto';
import { ApiError } from '@onbehalf/api-client/api-error';
import { createApiClient } from '@onbehalf/api-client/client';
import type { SignedInResponse } from '@onbehalf/contracts/auth';
import type { ErrorBody } from '@onbehalf/contracts/errors';
import { type RouteContract, routes } from '@onbehalf/contracts/routes';
import Database from 'better-sqlite3';
import { rowsOf } from '../store/test-rows.ts';
import type { TestStore } from '../store/test-stores.ts';
import { freshPostgresDatabase, harnessDialect } from './postgres-databases.ts';
import { SEEDED_AT } from './seeded-at.ts';

/** What a bearer client gets from a sign-in: the token is always in the body for it. */
type BearerSignedIn = SignedInResponse & { token: string };

import { createApp } from '../app.ts';
import { loadEnv } from '../env.ts';
import { withJobsRunning } from '../jobs.ts';
import { type AnchoredHead, type AnchorMove, memoryAnchorStorage } from '../lib/audit-anchor.ts';
import { testClocks } from '../lib/clock.ts';
import { createJobRunner } from '../lib/jobs.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';
import { createMailer, type Mailer, type MailMessage } from '../lib/mail.ts';
import { createMetrics, type MetricsSources } from '../lib/metrics.ts';
import { createLimiters, type StoreFactory } from '../lib/rate-limit.ts';
import { serverSecretFrom } from '../lib/server-secret.ts';
import { generateSigningKeys, type SigningKeys } from '../lib/signing-keys.ts';
import { DEMO_PASSWORD } from '../store/demo.ts';
import { postgresAuditAnchor } from '../store/postgres/audit-anchor.ts';
import { postgresMetricsSources } from '../store/postgres/metrics.ts';
import { postgresRateLimitStore } from '../store/postgres/rate-limits.ts';
import { createPostgresStore } from '../store/postgres/store.ts';
import { bindAuditKey } from '../store/sqlite/audit.ts';
import { memoryAuditAnchor } from '../store/sqlite/audit-anchor.ts';
import { type Db, migrateDatabase, openDatabase } from '../store/sqlite/client.ts';
import { startCommitGroups } from '../store/sqlite/commit-groups.ts';
import { sqliteMetricsSources } from '../store/sqlite/metrics.ts';
import { sqliteRateLimitStore, withCountersTable } from '../store/sqlite/rate-limits.ts';
import { seedDemo } from '../store/sqlite/seed.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';

// One key pair per worker is plenty (its test files share this module); generating is the slow part.
let sharedKeys: Promise<SigningKeys> | undefined;

export const ORIGIN = 'http://portal.test';

/** A clock the test moves by hand: expiry is tested by advancing it, never by sleeping. */
export function manualClock(start = SEEDED_AT) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    offsetMs: () => now - start,
  };
}

/** An answer's body as JSON, or undefined when it is empty or not JSON (a page, a bare 400). */
export function jsonOf(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The real app on a fresh in-memory database with the real migrations and the demo seed,
 * driven through app.request: no port, no network.
 */
export async function createTestApp(
  options: {
    rateLimits?: boolean;
    mailer?: Mailer;
    env?: Record<string, string>;
    /** Where the app logs; silent unless a test reads the log. */
    logger?: Logger;
    /** The OpenAPI document as a build ships it (`createApp`); built from the routes without. */
    openApiDocument?: () => string;
  } = {},
) {
  const secret = serverSecretFrom(randomBytes(32));
  const clock = manualClock();
  const database = await openTestDatabase(secret.auditKey, clock.now());
  // Who the demo's people are, read once: tests look them up by email (demoIds).
  const demo = {
    users: await rowsOf(database.ts, 'users'),
    profiles: await rowsOf(database.ts, 'profiles'),
    organizations: await rowsOf(database.ts, 'organizations'),
  };
  const env = loadEnv({ NODE_ENV: 'test', PUBLIC_ORIGIN: ORIGIN, ...options.env });
  // In test mode, the clocks /api/test/clock moves run on the manual clock.
  const testModeClocks = env.testMode ? testClocks(clock, database.ts.store.testMode) : undefined;
  sharedKeys ??= generateSigningKeys().then((k) => k.keys);
  const keys = await sharedKeys;
  const metrics = createMetrics({ sources: database.metricsSources, clock });
  // As in production: on SQLite, transactions share commits and answers wait for them.
  const commitGroups = database.sqlite
    ? startCommitGroups(
        database.sqlite.db,
        database.sqlite.handle,
        (error) => {
          throw error;
        },
        metrics.commitGroup,
      )
    : undefined;
  // Every message sent, as its recipient would read it: tests follow the links in them.
  const mail: MailMessage[] = [];
  const { store } = database.ts;
  const transport = options.mailer ?? createMailer(env, store.outbox, clock.now, secret.outboxKey);
  const mailer: Mailer = {
    transport: transport.transport,
    async send(message) {
      await transport.send(message);
      mail.push(message);
    },
  };
  const deps = {
    store,
    env,
    ...(commitGroups ? { commitGroups } : {}),
    clock: testModeClocks?.clock ?? clock,
    ...(testModeClocks ? { testClocks: testModeClocks } : {}),
    limiters: createLimiters({
      enabled: options.rateLimits ?? true,
      allowlist: env.RATE_LIMIT_ALLOWLIST,
      ...(database.limiterStore ? { store: database.limiterStore } : {}),
    }),
    keys,
    publishedKeys: async () => [keys.publicJwk],
    secret,
    auditAnchor: database.anchor,
    mailer,
    // Jobs run after each request and when a test waits for them (`idle()`), never on a timer;
    // due by the app's own time, each run on the test clock of the request that wrote it.
    background: createJobRunner(store.jobs, {
      clock,
      logger: options.logger ?? silentLogger,
      pollMs: 0,
      ...(testModeClocks ? { testClocks: testModeClocks } : {}),
    }),
    logger: options.logger ?? silentLogger,
    metrics,
  };
  const app = createApp(
    withJobsRunning(deps),
    options.openApiDocument ? { openApiDocument: options.openApiDocument } : {},
  );

  /**
   * A raw request, for tests where the raw request is the point: malformed input, cookies,
   * headers, CSRF, body sizes, answers that are not JSON, paths outside the route table, exact
   * statuses and headers of a success. Its `json` is unknown; `error` is the error envelope's.
   * Every other call goes through `client()`.
   */
  async function call(
    method: string,
    path: string,
    init: {
      token?: string;
      cookie?: string;
      body?: unknown;
      headers?: Record<string, string>;
      /** Aborted as a client that goes away aborts its request. */
      signal?: AbortSignal;
    } = {},
  ) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.cookie) headers.cookie = init.cookie;
    if (init.body !== undefined) headers['content-type'] ??= 'application/json';
    const body =
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body);
    // Real clients send the length; the body limit checks it before reading anything.
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const response = await app.request(`${ORIGIN}${path}`, {
      method,
      headers,
      body,
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const text = await response.text();
    const json = jsonOf(text);
    return {
      status: response.status,
      headers: response.headers,
      json,
      text,
      error: errorOf(json),
    };
  }

  /**
   * The typed client (`@onbehalf/api-client`) on this app: its fetch is `app.request`, so a
   * test calls routes by their names in the route table, typed end to end, with no network.
   * A refused call throws an ApiError with the status and the stable code.
   */
  function client(token?: string, headers: Record<string, string> = {}) {
    return createApiClient({
      baseUrl: ORIGIN,
      ...(token ? { token } : {}),
      headers,
      fetch: async (input: string | URL | Request, init?: RequestInit) => {
        const request = new Request(input, init);
        const response = await app.request(request);
        await expectAnswerOfTable(request, response.clone());
        return response;
      },
    });
  }

  async function signIn(email: string, password = DEMO_PASSWORD) {
    return (await client().auth.signIn({ email, password })) as BearerSignedIn;
  }

  /** Signs in and, for a user with several profiles, picks the one in the named organization. */
  async function signInAs(email: string, organizationName?: string) {
    const first = await signIn(email);
    if (!organizationName) return first;
    const { Profiles } = await client(first.token).profiles.list();
    const profile = Profiles.find((p) => p.OrganizationName === organizationName);
    if (!profile) throw new Error(`${email} has no profile in ${organizationName}`);
    return (await client(first.token).profiles.switchTo(profile.Id)) as BearerSignedIn;
  }

  /** The newest message sent to an address, and the sign-in link in it. */
  function latestMail(to: string) {
    const message = mail.findLast((m) => m.to === to);
    if (!message) throw new Error(`no mail to ${to}`);
    const url = /https?:\/\/\S+/.exec(message.text)?.[0];
    return { ...message, url };
  }

  const { ts, sqlite } = database;
  return {
    app,
    /** The database the app runs on, for tests to set up and read rows (store/test-rows.ts). */
    ts,
    demo,
    /** Moves the head kept outside the database to the newest event, as the server does each second. */
    advanceAuditAnchor: database.anchor.advance,
    /** SQLite's own handles: only for what is about SQLite itself, in *.sqlite.test.ts files. */
    get db() {
      return sqliteOnly(sqlite).db;
    },
    get sqlite() {
      return sqliteOnly(sqlite).handle;
    },
    clock,
    env,
    keys,
    deps,
    mail,
    latestMail,
    call,
    client,
    signIn,
    signInAs,
  };
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

type SqliteHandles = { db: Db; handle: ReturnType<typeof openDatabase>['sqlite'] };

/**
 * A new database holding the demo for one app: SQLite in memory, or with ONBEHALF_TEST_DB=
 * postgres a copy of the PostgreSQL template (test/postgres-databases.ts).
 */
async function openTestDatabase(
  auditKey: Buffer,
  now: number,
): Promise<{
  ts: TestStore;
  metricsSources: MetricsSources;
  /** The chain's head outside the database, in memory; tests move it as the server would. */
  anchor: { read(): AnchoredHead | null; advance(): Promise<AnchorMove> };
  sqlite: SqliteHandles | null;
  /** Where the limiters count: the server's store on each (SQLite's in memory here). */
  limiterStore?: StoreFactory;
}> {
  if (harnessDialect === 'postgres') {
    const { db, pool, url } = await freshPostgresDatabase();
    return {
      ts: { dialect: 'postgres', store: createPostgresStore(db, { auditKey }), db, auditKey, url },
      metricsSources: postgresMetricsSources(db, auditKey),
      anchor: (() => {
        const anchor = postgresAuditAnchor(memoryAnchorStorage(), auditKey);
        return { read: anchor.read, advance: () => anchor.advance(db) };
      })(),
      sqlite: null,
      limiterStore: postgresRateLimitStore(pool),
    };
  }
  const { db, sqlite } = openDatabase(':memory:');
  bindAuditKey(db, auditKey);
  migrateDatabase(db);
  await seedDemo(db, DEMO_PASSWORD, now);
  return {
    ts: { dialect: 'sqlite', store: createSqliteStore(db), db, auditKey },
    metricsSources: sqliteMetricsSources(db),
    anchor: (() => {
      const anchor = memoryAuditAnchor(auditKey);
      return { read: anchor.read, advance: async () => anchor.advance(db) };
    })(),
    sqlite: { db, handle: sqlite },
    limiterStore: sqliteRateLimitStore(withCountersTable(new Database(':memory:'))),
  };
}

function sqliteOnly(handles: SqliteHandles | null): SqliteHandles {
  if (!handles) {
    throw new Error(
      'This test reads SQLite directly, and the app runs on PostgreSQL: use t.ts with store/test-rows.ts, or name the file *.sqlite.test.ts.',
    );
  }
  return handles;
}

/** The error a raw answer carries in the envelope, if it carries one. */
function errorOf(json: unknown): ErrorBody['error'] | undefined {
  if (typeof json !== 'object' || json === null || !('error' in json)) return undefined;
  const { error } = json;
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return error as ErrorBody['error'];
}

/**
 * The ApiError a typed call was refused with; fails the test if the call succeeded.
 * Reads better than `rejects` when a test looks at several things of the refusal.
 */
export async function refusal(call: Promise<unknown>): Promise<ApiError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('the call succeeded; a refusal was expected');
}

/**
 * How a typed call ended, for a test that tells outcomes apart: `ok` when it succeeded (with a
 * status the route table lists for the route, as every typed call is held to), otherwise the
 * status it was refused with.
 */
export async function outcomeOf(call: Promise<unknown>): Promise<'ok' | number> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
}

/** The table's routes, literal paths first: `/users/impersonate` before `/users/{id}`. */
const tableRoutes = Object.entries(routes as Record<string, RouteContract>)
  .map(([name, route]) => ({
    name,
    route,
    method: route.method.toUpperCase(),
    pattern: new RegExp(`^${route.path.replace(/\{\w+\}/g, '[^/]+')}$`),
    parameters: (route.path.match(/\{/g) ?? []).length,
  }))
  .sort((a, b) => a.parameters - b.parameters);

/**
 * The types of the client hold only if the server answers what the route table says: a call of
 * the typed client fails its test when a success answers a status the table does not list for
 * the route, or a body its schema refuses; a refusal must carry the error envelope.
 */
async function expectAnswerOfTable(request: Request, response: Response) {
  const { pathname } = new URL(request.url);
  const entry = tableRoutes.find((r) => r.method === request.method && r.pattern.test(pathname));
  if (!entry) throw new Error(`${request.method} ${pathname} is not a route of the table`);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const where = `${entry.name} (${request.method} ${pathname}) answered ${response.status}`;
  if (!response.ok) {
    if (!errorOf(json)) throw new Error(`${where} without the error envelope: ${text}`);
    return;
  }
  const schema = entry.route.responses[response.status as 200 | 201 | 202];
  if (!schema) throw new Error(`${where}, a status the table does not list for it`);
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`${where}, a body its schema refuses: ${parsed.error.message}`);
  }
}

/** The `name=value` pair of the session cookie set by a response. */
export function sessionCookieFrom(headers: Headers): string | undefined {
  const setCookie = headers.get('set-cookie') ?? '';
  const match = /(ob_session=[^;]*)/.exec(setCookie);
  return match?.[1];
}

/** Ids of the seeded demo, looked up rather than assumed. */
export function demoIds(t: TestApp) {
  const { users, profiles, organizations } = t.demo;
  const orgName = new Map(organizations.map((o) => [o.id, o.name]));
  type Row = { userId: number; email: string; profileId: number | null; org: string | null };
  const rows = users.flatMap((u): Row[] => {
    const own = profiles.filter((p) => p.userId === u.id);
    const base = { userId: u.id, email: u.email };
    return own.length === 0
      ? [{ ...base, profileId: null, org: null }]
      : own.map((p) => ({ ...base, profileId: p.id, org: orgName.get(p.organizationId) ?? null }));
  });
  return {
    organizationId(name: string): number {
      const row = organizations.find((o) => o.name === name);
      if (!row) throw new Error(`no organization ${name}`);
      return row.id;
    },
    userId(email: string): number {
      const row = rows.find((r) => r.email === email);
      if (!row) throw new Error(`no user ${email}`);
      return row.userId;
    },
    profileId(email: string, org = 'Acme Corp'): number {
      const row = rows.find((r) => r.email === email && r.org === org);
      if (!row?.profileId) throw new Error(`no profile for ${email} in ${org}`);
      return row.profileId;
    },
  };
}

/**
 * An impersonation by Acme's team admin of Jane Doe (member@acme.test), with an order placed
 * during it and left: the trail of a whole impersonation. Its id.
 */
export async function teamImpersonationWithOrder(t: TestApp, reason = 'checking an order') {
  const admin = t.client((await t.signIn('admin@acme.test')).token);
  const issued = await admin.impersonation.teamHandoff(
    demoIds(t).profileId('member@acme.test'),
    reason,
  );
  const imp = await admin.impersonation.exchange(issued.token);
  const asJane = t.client(imp.token);
  await asJane.orders.place({ sku: 'PAPER-A4', quantity: 1 });
  await asJane.impersonation.leave();
  const impersonationId = imp.session.actor?.impersonationId;
  if (!impersonationId) throw new Error('the exchange started no impersonation');
  return impersonationId;
}
