import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ApiError } from '@onbehalf/api-client/api-error';
import { type ApiClient, createApiClient } from '@onbehalf/api-client/client';
import {
  TEST_CLOCK_HEADER,
  type TestOperator,
  type TestOrganization,
} from '@onbehalf/contracts/test-mode';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeys } from './lib/signing-keys.ts';
import { openPostgres } from './store/postgres/client.ts';
import { startTestCluster, type TestCluster } from './store/postgres/test-cluster.ts';
import { bundled } from './test/bundled.ts';
import { type ServerProcess, startServers } from './test/server-processes.ts';

/**
 * Three server processes on one PostgreSQL database, as a deployment behind a load balancer
 * runs them (SPEC §11): each has its own DATA_DIR and memory, and shares only the database and
 * ONBEHALF_SECRET. Every request of a proof goes to the next process in turn, so whatever one
 * process kept to itself (a claim, a revocation, a rate-limit count, a key) shows up as a
 * second winner, a session that lives on, or a budget that is three times too large.
 */

const PROCESSES = 3;
const secret = randomBytes(32).toString('base64url');

let cluster: TestCluster | undefined;
let servers: ServerProcess[] = [];
let db: ReturnType<typeof openPostgres> | undefined;
let org: TestOrganization;
let operator: TestOperator;

/** The process the i-th request of a proof goes to: each in turn. */
const nth = (i: number) => servers[i % servers.length] as ServerProcess;

/** The typed client on the i-th process, as an integrator would call it: Node's fetch, a bearer. */
function api(i: number, token?: string, headers: Record<string, string> = {}): ApiClient {
  return createApiClient({
    baseUrl: nth(i).url,
    ...(token ? { token } : {}),
    headers,
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(30_000) }),
  });
}

type Answer<T> = { ok: true; value: T } | { ok: false; status: number; code: string };

/** How a call ended: its value, or the status and stable code it was refused with. */
async function answer<T>(call: Promise<T>): Promise<Answer<T>> {
  try {
    return { ok: true, value: await call };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false, status: error.status, code: error.code };
    throw error;
  }
}

/** `{ ok: 1, '410 link_used': 44 }`: every answer counted by its status and code. */
function tally(answers: Answer<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.ok ? 'ok' : `${a.status} ${a.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function successes<T>(answers: Answer<T>[]): T[] {
  return answers.flatMap((a) => (a.ok ? [a.value] : []));
}

/** The refusal a call ended with ("401 session_expired"), or "ok" when it was not refused. */
async function outcome(call: Promise<unknown>): Promise<string> {
  const a = await answer(call);
  return a.ok ? 'ok' : `${a.status} ${a.code}`;
}

/** What each of the given processes answers when asked for the session of this token. */
function sessionOn(which: number[], token: string): Promise<string[]> {
  return Promise.all(which.map((i) => outcome(api(i, token).auth.session())));
}
const everyProcess = Array.from({ length: PROCESSES }, (_, i) => i);

/** The admin acts as a coworker: the hand-off asked for on one process, exchanged on another. */
async function impersonate(
  adminToken: string,
  coworkerId: number,
  asks: number,
  exchanges: number,
) {
  const { token: handoff } = await api(asks, adminToken).impersonation.teamHandoff(coworkerId);
  const { token } = await api(exchanges, adminToken).impersonation.exchange(handoff);
  if (!token) throw new Error('an API client gets the impersonation token in the body');
  return token;
}

async function signIn(i: number, person: { email: string; password: string }): Promise<string> {
  const { token } = await api(i).auth.signIn({ email: person.email, password: person.password });
  if (!token) throw new Error('an API client gets its session token in the body');
  return token;
}

/** `src/cli/main.ts audit-verify` on the shared database, as an operator runs it on a host. */
async function verifyWithCli(dataDir: string): Promise<{ code: number; stdout: string }> {
  const run = promisify(execFile);
  try {
    const { stdout } = await run(process.execPath, [await bundled('cli'), 'audit-verify'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: cluster?.url,
        ONBEHALF_SECRET: secret,
        DATA_DIR: dataDir,
      },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

async function count(sql: string, values: unknown[]): Promise<number> {
  if (!db) throw new Error('no database');
  const { rows } = await db.pool.query<{ n: number }>(sql, values);
  return rows[0]?.n ?? -1;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  const env = {
    DATABASE_URL: cluster.url,
    ONBEHALF_SECRET: secret,
    // As behind a load balancer: the client's address is the one the balancer appends.
    TRUST_PROXY: '1',
  };
  // The last is given its signing key, as in the middle of a move to SESSION_SIGNING_JWK; the
  // others share the one the first of them makes in the database.
  const { privateJwk } = await generateSigningKeys();
  servers = (
    await Promise.all([
      startServers(PROCESSES - 1, env),
      startServers(1, { ...env, SESSION_SIGNING_JWK: JSON.stringify(privateJwk) }),
    ])
  ).flat();
  db = openPostgres(cluster.url, { max: 2 });
  // Made on different processes: each reads what another wrote.
  [org, operator] = await Promise.all([
    api(0).test.createOrganization({ integrations: true }),
    api(1).test.createOperator({ role: 'admin' }),
  ]);
}, 60_000);

afterAll(async () => {
  try {
    await Promise.all(servers.map((server) => server.stop()));
    await db?.pool.end();
  } finally {
    cluster?.stop();
  }
}, 30_000);

describe('three processes on one PostgreSQL database', () => {
  it('45 redemptions of one single-use login token: exactly one session, every other answer 410 link_used', async () => {
    const operatorToken = await signIn(2, operator);
    const created = await api(2, operatorToken).loginTokens.create({
      subject: { type: 'profile', profileId: org.members[0].profileId },
      use: 'integration',
      oneTimeUse: true,
      expiresAt: new Date(Date.now() + 60 * 60_000).toISOString(),
    });

    const answers = await Promise.all(
      Array.from({ length: 45 }, (_, i) => answer(api(i).links.redeemLoginToken(created.token))),
    );

    expect(tally(answers)).toEqual({ ok: 1, '410 link_used': 44 });
    const [won] = successes(answers);
    expect(won?.session.user?.id).toBe(org.members[0].userId);
    expect(
      await count('SELECT count(*)::int AS n FROM sessions WHERE via_credential_id = $1', [
        String(created.id),
      ]),
    ).toBe(1);
    const { token: details } = await api(0, operatorToken).loginTokens.details(created.id);
    expect(details).toMatchObject({ state: 'used', successfulAttempts: 1 });
    // The one session works on every process.
    expect(await sessionOn(everyProcess, won?.token ?? '')).toEqual(['ok', 'ok', 'ok']);
  });

  it('30 exchanges of one hand-off token: exactly one impersonation, every other answer 409 handoff_used', async () => {
    const adminToken = await signIn(0, org.admin);
    const { token: handoff } = await api(1, adminToken).impersonation.teamHandoff(
      org.members[1].profileId,
    );

    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        answer(api(i, adminToken).impersonation.exchange(handoff)),
      ),
    );

    expect(tally(answers)).toEqual({ ok: 1, '409 handoff_used': 29 });
    const [won] = successes(answers);
    const impersonationId = won?.session.actor?.impersonationId;
    expect(won?.session.user?.id).toBe(org.members[1].userId);
    expect(impersonationId).toBeTruthy();
    expect(
      await count(
        'SELECT count(*)::int AS n FROM impersonations WHERE target_user_id = $1 AND started_at IS NOT NULL',
        [org.members[1].userId],
      ),
    ).toBe(1);
    expect(
      await count('SELECT count(*)::int AS n FROM sessions WHERE impersonation_id = $1', [
        impersonationId,
      ]),
    ).toBe(1);
  });

  it('a sign-out on one process is refused on the others at once', async () => {
    const token = await signIn(0, org.owner);
    // Each process has seen the session alive before it ends.
    expect(await sessionOn(everyProcess, token)).toEqual(['ok', 'ok', 'ok']);

    await api(1, token).auth.signOut();

    expect(await sessionOn([0, 2], token)).toEqual(['401 session_expired', '401 session_expired']);
  });

  it('leaving an impersonation on one process ends it on the others at once; the actor stays signed in', async () => {
    const adminToken = await signIn(1, org.admin);
    const acting = await impersonate(adminToken, org.members[0].profileId, 2, 0);
    expect(await sessionOn(everyProcess, acting)).toEqual(['ok', 'ok', 'ok']);

    const { session: own } = await api(2, acting).impersonation.leave();
    expect(own.user?.id).toBe(org.admin.userId);

    expect(await sessionOn([0, 1], acting)).toEqual(['401 session_expired', '401 session_expired']);
    for (const i of everyProcess) {
      const { session } = await api(i, adminToken).auth.session();
      expect(session.user?.id).toBe(org.admin.userId);
      expect(session.actor).toBeUndefined();
    }
  });

  it("the actor's sign-out on one process ends the impersonation on the others at once", async () => {
    const adminToken = await signIn(2, org.admin);
    const acting = await impersonate(adminToken, org.members[1].profileId, 0, 1);
    expect(await sessionOn(everyProcess, acting)).toEqual(['ok', 'ok', 'ok']);

    await api(2, adminToken).auth.signOut();

    expect(await sessionOn([0, 1], acting)).toEqual(['401 session_expired', '401 session_expired']);
  });

  it('failed sign-ins spread over the processes count against one budget', async () => {
    // An account may fail 100 sign-ins an hour, from whatever addresses; then it waits out the
    // hour. Here from 100 addresses (so no address's own limit is met), a third on each process:
    // counted per process, each would have seen 34 and let the next attempt through.
    const person = org.members[1];
    const from = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i + 1}` });
    const wrong = (i: number) =>
      answer(api(i, undefined, from(i)).auth.signIn({ email: person.email, password: 'wrong' }));
    const first = await Promise.all(Array.from({ length: 99 }, (_, i) => wrong(i)));
    expect(tally(first)).toEqual({ '401 invalid_credentials': 99 });
    expect(tally([await wrong(99)])).toEqual({ '401 invalid_credentials': 1 });

    // The right password, from an address never seen, on each process: the budget is spent.
    const next = await Promise.all(
      everyProcess.map((i) =>
        answer(
          api(i, undefined, from(200 + i)).auth.signIn({
            email: person.email,
            password: person.password,
          }),
        ),
      ),
    );
    expect(tally(next)).toEqual({ '429 rate_limited': PROCESSES });
  }, 45_000);

  it('every process publishes the same JWKS, and verifies the JWT another one signed', async () => {
    const sets = await Promise.all(servers.map((_, i) => api(i).call('auth.jwks')));
    // The key the database holds and the one the last process was given.
    expect(sets[0]?.keys).toHaveLength(2);
    expect(sets[1]).toEqual(sets[0]);
    expect(sets[2]).toEqual(sets[0]);

    const jwks = (i: number) =>
      createLocalJWKSet(sets[i] as Parameters<typeof createLocalJWKSet>[0]);
    const kids = new Set<unknown>();
    for (const [signer, verifier] of [
      [0, 2],
      [2, 0],
    ] as const) {
      const token = await signIn(signer, org.members[0]);
      const { jwt } = await api(signer, token).auth.jwt();
      kids.add(decodeProtectedHeader(jwt).kid);
      const { payload } = await jwtVerify(jwt, jwks(verifier));
      expect(payload.sub).toBeDefined();
    }
    expect(kids.size).toBe(2);
  });

  it('60 concurrent writes over the processes leave an audit chain that verifies', async () => {
    const before = await count(
      "SELECT count(*)::int AS n FROM audit_events WHERE type = 'order.placed'",
      [],
    );
    const buyers = await Promise.all(
      [org.owner, org.admin, org.members[0]].map((person, i) => signIn(i, person)),
    );

    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        answer(
          api(i, buyers[i % buyers.length]).orders.place({ sku: 'PAPER-A4', quantity: 1 + i }),
        ),
      ),
    );

    expect(tally(answers)).toEqual({ ok: 60 });
    const numbers = new Set(successes(answers).map(({ order }) => order.number));
    expect(numbers.size).toBe(60);
    expect(
      await count("SELECT count(*)::int AS n FROM audit_events WHERE type = 'order.placed'", []),
    ).toBe(before + 60);

    // Each process verifies the whole chain with its key from the shared secret…
    const operatorToken = await signIn(0, operator);
    const verified = await Promise.all(servers.map((_, i) => api(i, operatorToken).audit.verify()));
    for (const result of verified) {
      expect(result).toMatchObject({ intact: true, breaks: [], firstBrokenId: null });
      expect(result.checked).toBeGreaterThanOrEqual(before + 60);
    }
    // …and so does `pnpm cli audit-verify` on a host of one of them, holding its outside head.
    const cli = await verifyWithCli(nth(0).dataDir);
    const events = await count('SELECT count(*)::int AS n FROM audit_events', []);
    expect(cli.code).toBe(0);
    expect(cli.stdout.trim()).toBe(
      `Audit trail intact: ${events} events verified from the genesis; the head kept outside the database matches.`,
    );
    // Four sign-ins (argon2id), three whole-chain verifications and a command line started
    // started as a process: 4–8 s alone, and more beside other test files on 2 cores.
  }, 60_000);

  it('a test that moves its clock on one process has moved it on every process', async () => {
    const onClock = (i: number, token?: string) =>
      api(i, token, { [TEST_CLOCK_HEADER]: 'several-processes-clock' });
    const token = await signIn(0, org.members[0]);
    const session = () =>
      Promise.all(everyProcess.map((i) => outcome(onClock(i, token).auth.session())));
    expect(await session()).toEqual(['ok', 'ok', 'ok']);
    await onClock(1).test.advanceClock(13 * 3_600_000);
    const offsets = await Promise.all(
      everyProcess.map(async (i) => (await onClock(i).test.clock()).offsetMs),
    );
    expect(offsets).toEqual([13 * 3_600_000, 13 * 3_600_000, 13 * 3_600_000]);
    // Twelve hours is a session's whole life: on that test's clock it ended, on every process.
    expect(await session()).toEqual(Array(PROCESSES).fill('401 session_expired'));
  });

  it('no process logged an error or a fatal along the way', () => {
    for (const server of servers) {
      const logged = server
        .output()
        .split('\n')
        .filter((line) => /"level":"(error|fatal)"/.test(line));
      expect(logged).toEqual([]);
    }
  });
});
