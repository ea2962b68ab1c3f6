import { setImmediate as nextTurn } from 'node:timers/promises';
import { errorBody, errorCatalogue } from '@onbehalf/contracts/errors';
import { type RouteContract, type RouteName, routes } from '@onbehalf/contracts/routes';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../lib/logger.ts';
import { rowsOf } from '../store/test-rows.ts';
import {
  type Answer,
  callers,
  errorLines,
  type Input,
  requestOf,
  send,
  shorten,
  starts,
  table,
} from '../test/bad-input-probes.ts';
import { createTestApp, demoIds, type TestApp } from '../test/harness.ts';

/**
 * The same request sent many times at once, and two conflicting requests sent at once (SPEC §4
 * rule 5, §5, §6, §8, §8b, §11; ADRs 023, 030, 037, 041): never a 5xx or a thrown error, every
 * refusal a 4xx with the catalogue's code; a single-use thing done once, a unique thing made
 * once; and an audit trail that verifies, with one event of the change per change made.
 *
 * Every write route of the table (and the two GETs that issue a hand-off) is sent its valid
 * input (`starts`, or a real credential made for it) 12 times at once on a fresh demo, as a caller
 * allowed to call it. What it changed is read from the rows (sessions, impersonations,
 * credentials, users) and from the new audit events. Conflicting pairs are sent at once in
 * several rounds (`ROUNDS`), each on a fresh demo; whichever wins, the state left must be one the
 * rules allow. Rate limits are off. Whatever the app logs at warn or error level is a failure.
 *
 * What this file found (kept failing until fixed):
 * - `auth.signOut` / `auth.revokeSession` sent at once: every copy answers 200 and writes its
 *   `auth.signed_out` / `session.revoked`, for one revocation; a sign-out that lost to a profile
 *   switch of the same session answers 200 while the switched session lives on. The stores'
 *   `endSession` ignores whether its compare-and-set revoked anything.
 * - `impersonation.exchange` against a disable of the target, a raise of the target past the
 *   actor, or a demotion of the actor: the exchange decides outside its transaction and its claim
 *   checks only the hand-off row, while those changes end only started impersonations; the
 *   impersonation starts, and runs, after the change that forbids it.
 * - A redemption that loses its race to a withdrawal (the token deleted or revoked, its person
 *   disabled) is answered `link_used` and recorded as a use, though the credential was never used.
 */

const N = 12;
/**
 * The rounds of each conflicting pair: one round may not collide. Each sends the pair in one
 * order or the other (the first sent is the first to run) and starts the second some turns of
 * the event loop, or some promise jobs, after the first, so that the one's reads fall before,
 * between and after the other's writes. Nothing waits on a clock.
 */
const ROUNDS: { reversed: boolean; turns: number; jobs: number }[] = [
  ...[0, 1, 3].map((turns) => ({ turns, jobs: 0 })),
  ...[9, 10, 11, 13].map((jobs) => ({ turns: 0, jobs })),
].flatMap((r) => [
  { ...r, reversed: false },
  { ...r, reversed: true },
]);
const TIMEOUT_MS = 120_000;

// ---- the app, the requests, the answers ------------------------------------------------------

interface Run {
  t: TestApp;
  raw: string[];
  ids: ReturnType<typeof demoIds>;
  /** The demo's superadmin, signed in before anything is sent: reads the trail at the end. */
  root: string;
}

async function fresh(): Promise<Run> {
  const raw: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void raw.push(line) });
  const t = await createTestApp({ rateLimits: false, logger, env: { ONBEHALF_TEST_MODE: '1' } });
  const root = (await t.signIn('root@onbehalf.test')).token;
  return { t, raw, ids: demoIds(t), root };
}

const token = async (t: TestApp, email: string) => (await t.signIn(email)).token;

/** One request of the table, sent as the input says, with the caller's bearer token. */
function fire(t: TestApp, name: RouteName, input: Input, bearer: string | null): Promise<Answer> {
  const route = routes[name] as RouteContract;
  const request = requestOf(route, input);
  return send(t, { ...request, what: name, expect: 'answered' }, bearer, name);
}

const statusOf = (a: Answer) => ('threw' in a ? -1 : a.status);
const codeOf = (a: Answer) =>
  'threw' in a ? undefined : (a.json as { error?: { code?: string } } | undefined)?.error?.code;
const ok = (a: Answer) => !('threw' in a) && a.status >= 200 && a.status < 300;
const shown = (answers: Answer[]) => {
  const tally = new Map<string, number>();
  for (const a of answers) {
    const key =
      'threw' in a ? `threw ${a.threw}` : `${a.status}${codeOf(a) ? ` ${codeOf(a)}` : ''}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return [...tally].map(([k, n]) => `${n}× ${k}`).join(', ');
};

/** What is wrong with an answer: a throw, a 5xx, a refusal outside the catalogue or the rule. */
function judgeAnswer(label: string, a: Answer, codes: readonly string[]): string[] {
  if ('threw' in a) return [`${label}: threw ${a.threw}`];
  if (a.status >= 500) return [`${label}: answered ${a.status}: ${shorten(a.text)}`];
  if (a.status < 400) return [];
  const envelope = errorBody.safeParse(a.json);
  if (!envelope.success) return [`${label}: ${a.status} without the envelope: ${shorten(a.text)}`];
  const { code } = envelope.data.error;
  const problems: string[] = [];
  if (errorCatalogue[code].status !== a.status) {
    problems.push(
      `${label}: ${a.status} ${code}, which the catalogue says is ${errorCatalogue[code].status}`,
    );
  }
  if (!codes.includes(code)) {
    problems.push(
      `${label}: refused ${a.status} ${code}, not ${codes.join(' or ') || 'refused at all'}`,
    );
  }
  return problems;
}

/** The newest audit event's id: what comes after it is what the burst wrote. */
async function lastEventId(t: TestApp): Promise<number> {
  await t.deps.background.idle();
  const events = await rowsOf(t.ts, 'auditEvents');
  return events.at(-1)?.id ?? 0;
}

async function eventsSince(t: TestApp, id: number) {
  await t.deps.background.idle();
  return (await rowsOf(t.ts, 'auditEvents')).filter((e) => e.id > id);
}

const countType = (events: { type: string }[], type: string) =>
  events.filter((e) => e.type === type).length;

/** The trail verifies through the API, to the head kept outside the database too. */
async function trailProblems(run: Run): Promise<string[]> {
  const { t, root } = run;
  await t.deps.background.idle();
  await t.advanceAuditAnchor();
  const res = await t.call('GET', '/api/sys/audit-events/verify', { token: root });
  if (res.status !== 200) return [`verify answered ${res.status} ${res.error?.code ?? res.text}`];
  const v = res.json as { intact: boolean; breakCount: number; outsideAnchor: string };
  return v.intact && v.breakCount === 0 && v.outsideAnchor === 'matched'
    ? []
    : [`the trail does not verify: ${shorten(JSON.stringify(v))}`];
}

function logProblems(run: Run, from = 0): string[] {
  return errorLines(run.raw.slice(from)).map((l) => `the app ${l}`);
}

/** Whether a bearer token still opens a session. */
async function alive(t: TestApp, bearer: string): Promise<boolean> {
  const res = await t.call('GET', '/api/public/auth/session', { token: bearer });
  return res.status === 200;
}

const tokenOf = (a: Answer) =>
  ok(a) && !('threw' in a) ? ((a.json as { token?: string } | undefined)?.token ?? null) : null;

// ---- credentials made for a case --------------------------------------------------------------

async function emailedLink(run: Run, email = 'buyer@acme.test') {
  const { t, ids } = run;
  const ops = await token(t, 'ops@onbehalf.test');
  await t.client(ops).sys.emailOneClickLink({ userId: ids.userId(email) });
  await t.deps.background.idle();
  const url = t.latestMail(email).url ?? '';
  const [, , userId, hash] = new URL(url).pathname.split('/');
  return { userId: Number(userId), hash: hash ?? '' };
}

async function loginToken(run: Run, oneTimeUse = true) {
  const { t, ids } = run;
  const ops = await token(t, 'ops@onbehalf.test');
  const made = await t.client(ops).loginTokens.create({
    subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
    expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
    oneTimeUse,
    use: 'integration',
  });
  return { id: made.id, token: made.token, ops };
}

/** A hand-off of Acme's team admin for the buyer: the admin's token and the hand-off's. */
async function teamHandoff(run: Run, email = 'buyer@acme.test') {
  const { t, ids } = run;
  const admin = await token(t, 'admin@acme.test');
  const issued = await t.client(admin).impersonation.teamHandoff(ids.profileId(email), 'checking');
  return { admin, handoff: issued.token };
}

/** A running impersonation of the buyer by Acme's team admin. */
async function impersonation(run: Run) {
  const { admin, handoff } = await teamHandoff(run);
  const started = await run.t.client(admin).impersonation.exchange(handoff);
  const id = started.session.actor?.impersonationId ?? '';
  return { admin, handoff, imp: started.token ?? '', id };
}

const running = async (t: TestApp) =>
  (await rowsOf(t.ts, 'impersonations')).filter((i) => i.startedAt !== null && i.endedAt === null);

const liveSessionsOf = async (t: TestApp, userId: number) =>
  (await rowsOf(t.ts, 'sessions')).filter(
    (s) => s.userId === userId && s.revokedAt === null && s.expiresAt > t.clock.now(),
  );

// ---- the same request, many times at once -----------------------------------------------------

interface Same {
  /**
   * The input, the caller's token and what the rules allow, on a fresh demo; `caller` is signed
   * in as the person the table's `callers` names for the route.
   */
  prepare(
    run: Run,
    caller: string,
  ): Promise<{
    input: Input;
    bearer: string | null;
    /** The refusals the rules allow for the ones that lose. */
    codes: readonly string[];
    /** How many may succeed: exactly, or at least one of at most N. */
    succeed: number | 'some' | 'all';
    /** The event of the change, and how many of it: per success, or exactly. */
    event?: { type: string; count: number | 'per success' };
    /** What the rows must say after; the answers given. */
    after?: (answers: Answer[]) => Promise<string[]>;
  }>;
}

const changed = (e: { details: unknown }) => {
  const d = e.details as { before?: unknown; after?: unknown } | null;
  return JSON.stringify(d?.before) !== JSON.stringify(d?.after);
};

const sameCases: Partial<Record<RouteName, Same>> = {
  'auth.signIn': {
    async prepare({ t }) {
      const before = (await rowsOf(t.ts, 'sessions')).length;
      return {
        input: starts(t)['auth.signIn'] ?? {},
        bearer: null,
        codes: [],
        succeed: 'all',
        event: { type: 'auth.sign_in.succeeded', count: 'per success' },
        after: async () => {
          const now = (await rowsOf(t.ts, 'sessions')).length;
          return now - before === N ? [] : [`${now - before} sessions made for ${N} sign-ins`];
        },
      };
    },
  },
  'auth.signOut': {
    async prepare({ t }, caller) {
      const bearer = caller;
      return {
        input: {},
        bearer,
        codes: ['session_expired', 'unauthenticated'],
        succeed: 'some',
        // One session, revoked once: one sign-out on the record.
        event: { type: 'auth.signed_out', count: 1 },
        after: async () => ((await alive(t, bearer)) ? ['the session still opens'] : []),
      };
    },
  },
  'auth.revokeSession': {
    async prepare({ t, ids }, caller) {
      const bearer = caller;
      const other = await token(t, 'owner@acme.test');
      const sessions = await liveSessionsOf(t, ids.userId('owner@acme.test'));
      const target = sessions.at(-1)?.id ?? '';
      return {
        input: { params: { id: target } },
        bearer,
        codes: ['not_found'],
        succeed: 'some',
        event: { type: 'session.revoked', count: 1 },
        after: async () => ((await alive(t, other)) ? ['the revoked session still opens'] : []),
      };
    },
  },
  'links.previewOneClick': {
    async prepare(run) {
      const body = await emailedLink(run);
      return {
        input: { body },
        bearer: null,
        codes: [],
        succeed: 'all',
        after: async () => {
          const links = await rowsOf(run.t.ts, 'oneClickLinks');
          return links.some((l) => l.usedAt !== null) ? ['a preview used the link'] : [];
        },
      };
    },
  },
  'links.redeemOneClick': {
    async prepare(run) {
      const body = await emailedLink(run);
      const before = await liveSessionsOf(run.t, body.userId);
      return {
        input: { body },
        bearer: null,
        codes: ['link_used'],
        succeed: 1,
        event: { type: 'one_click.redeemed', count: 1 },
        after: async () => {
          const now = await liveSessionsOf(run.t, body.userId);
          return now.length - before.length === 1
            ? []
            : [`${now.length - before.length} sessions from one link`];
        },
      };
    },
  },
  'links.previewLoginToken': {
    async prepare(run) {
      const made = await loginToken(run);
      return {
        input: { body: { token: made.token } },
        bearer: null,
        codes: [],
        succeed: 'all',
        after: async () => {
          const rows = await rowsOf(run.t.ts, 'loginTokens');
          return rows.some((r) => r.successfulAttempts > 0) ? ['a preview used the token'] : [];
        },
      };
    },
  },
  'links.redeemLoginToken': {
    async prepare(run) {
      const made = await loginToken(run);
      return {
        input: { body: { token: made.token } },
        bearer: null,
        codes: ['link_used'],
        succeed: 1,
        event: { type: 'login_token.used', count: 1 },
        after: async () => {
          const made = (await rowsOf(run.t.ts, 'sessions')).filter((s) => s.viaKind);
          return made.length === 1 ? [] : [`${made.length} sessions from a one-time token`];
        },
      };
    },
  },
  'links.requestEmailLink': {
    async prepare({ t }) {
      return {
        input: starts(t)['links.requestEmailLink'] ?? {},
        bearer: null,
        codes: [],
        succeed: 'all',
        after: async () => {
          await t.deps.background.idle();
          const links = (await rowsOf(t.ts, 'oneClickLinks')).length;
          const mails = t.mail.filter((m) => m.to === 'buyer@acme.test').length;
          const emailed = countType(await rowsOf(t.ts, 'auditEvents'), 'one_click.emailed');
          return links === mails && mails === emailed && mails >= 1
            ? []
            : [`${links} links, ${mails} mails, ${emailed} one_click.emailed events`];
        },
      };
    },
  },
  'impersonation.exchange': {
    async prepare(run) {
      const { admin, handoff } = await teamHandoff(run);
      return {
        input: { params: { token: handoff } },
        bearer: admin,
        codes: ['handoff_used'],
        succeed: 1,
        event: { type: 'impersonation.started', count: 1 },
        after: async () => {
          const now = await running(run.t);
          const sessions = (await rowsOf(run.t.ts, 'sessions')).filter(
            (s) => s.impersonationId !== null,
          );
          return now.length === 1 && sessions.length === 1
            ? []
            : [`${now.length} running impersonations, ${sessions.length} impersonation sessions`];
        },
      };
    },
  },
  'impersonation.leave': {
    async prepare(run) {
      const { imp, admin } = await impersonation(run);
      return {
        input: {},
        bearer: imp,
        codes: ['impersonation_ended', 'session_expired', 'unauthenticated'],
        succeed: 'some',
        event: { type: 'impersonation.ended', count: 1 },
        after: async () => [
          ...((await running(run.t)).length > 0 ? ['still running'] : []),
          ...((await alive(run.t, imp)) ? ['the impersonation session still opens'] : []),
          ...((await alive(run.t, admin)) ? [] : ["the admin's own session ended"]),
        ],
      };
    },
  },
  'account.setImpersonationPreference': {
    async prepare({ t }, caller) {
      return {
        input: { body: { allowTeamImpersonation: false } },
        bearer: caller,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'account.impersonation_preference_changed', count: 'per success' },
        after: async () => {
          const events = (await rowsOf(t.ts, 'auditEvents')).filter(
            (e) => e.type === 'account.impersonation_preference_changed' && changed(e),
          );
          return events.length === 1 ? [] : [`${events.length} changes recorded for one`];
        },
      };
    },
  },
  'account.changePassword': {
    async prepare({ t, ids }, caller) {
      const bearer = caller;
      const other = await token(t, 'buyer@acme.test');
      return {
        input: starts(t)['account.changePassword'] ?? {},
        bearer,
        // The losers' current password is no longer the current one (a 400 on the field).
        codes: ['validation_failed', 'session_expired', 'unauthenticated'],
        succeed: 1,
        event: { type: 'account.password_changed', count: 1 },
        after: async () => {
          const problems: string[] = [];
          if (await alive(t, other)) problems.push("the buyer's other session still opens");
          const signIn = await t.call('POST', '/api/public/auth/sign-in', {
            body: { email: 'buyer@acme.test', password: 'another-password-1234' },
          });
          if (signIn.status !== 200) problems.push(`the new password: ${signIn.status}`);
          const live = await liveSessionsOf(t, ids.userId('buyer@acme.test'));
          if (live.length !== 2) problems.push(`${live.length} live sessions, not 2`);
          return problems;
        },
      };
    },
  },
  'account.revokeCredential': {
    async prepare(run) {
      const made = await loginToken(run);
      return {
        input: { params: { kind: 'login_token', id: String(made.id) } },
        bearer: await token(run.t, 'buyer@acme.test'),
        codes: ['not_found'],
        succeed: 'some',
        event: { type: 'credential.revoked', count: 1 },
        after: async () => {
          const redeem = await run.t.call('POST', '/api/public/auth/login-token', {
            body: { token: made.token },
          });
          return redeem.status === 410 ? [] : [`the revoked token redeemed: ${redeem.status}`];
        },
      };
    },
  },
  'profiles.switchTo': {
    async prepare({ t, ids }, caller) {
      const bearer = caller;
      const before = (await rowsOf(t.ts, 'sessions')).length;
      return {
        input: starts(t)['profiles.switchTo'] ?? {},
        bearer,
        codes: ['session_expired', 'unauthenticated'],
        succeed: 1,
        event: { type: 'profile.switched', count: 1 },
        after: async () => {
          const made = (await rowsOf(t.ts, 'sessions')).length - before;
          const live = await liveSessionsOf(t, ids.userId('member@acme.test'));
          return made === 1 && live.length === 1
            ? []
            : [`${made} sessions made, ${live.length} live for one switch`];
        },
      };
    },
  },
  'team.updateMember': {
    async prepare({ t, ids }, caller) {
      return {
        input: {
          params: { profileId: String(ids.profileId('buyer@acme.test')) },
          body: { role: 'member', permissions: ['orders:read'] },
        },
        bearer: caller,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'team.member_updated', count: 'per success' },
        after: async () => {
          const real = (await rowsOf(t.ts, 'auditEvents')).filter(
            (e) => e.type === 'team.member_updated' && changed(e),
          );
          return real.length === 1 ? [] : [`${real.length} changes recorded for one`];
        },
      };
    },
  },
  'team.updateSettings': {
    async prepare(_run, caller) {
      return {
        input: {
          body: {
            impersonationEnabled: false,
            impersonationMaxMinutes: 60,
            selfServiceLinksEnabled: true,
            integrationsEnabled: true,
          },
        },
        bearer: caller,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'settings.changed', count: 'per success' },
      };
    },
  },
  'orders.place': {
    async prepare({ t }, caller) {
      const before = (await rowsOf(t.ts, 'orders')).length;
      return {
        input: starts(t)['orders.place'] ?? {},
        bearer: caller,
        codes: [],
        succeed: 'all',
        event: { type: 'order.placed', count: 'per success' },
        after: async () => {
          const made = (await rowsOf(t.ts, 'orders')).length - before;
          return made === N ? [] : [`${made} orders for ${N}`];
        },
      };
    },
  },
  'sys.updateUser': {
    async prepare({ t, ids }, caller) {
      const buyer = await token(t, 'buyer@acme.test');
      return {
        input: {
          params: { id: String(ids.userId('buyer@acme.test')) },
          body: { status: 'disabled', reason: 'Leaving the company' },
        },
        bearer: caller,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'user.updated', count: 'per success' },
        after: async () => {
          const real = (await rowsOf(t.ts, 'auditEvents')).filter(
            (e) => e.type === 'user.updated' && changed(e),
          );
          return [
            ...(real.length === 1 ? [] : [`${real.length} changes recorded for one`]),
            ...((await alive(t, buyer)) ? ['the disabled buyer still signed in'] : []),
          ];
        },
      };
    },
  },
  'sys.setProfileRole': {
    async prepare({ t, ids }, caller) {
      return {
        input: {
          params: { id: String(ids.profileId('buyer@acme.test')) },
          body: { role: 'admin', reason: 'Runs the team now' },
        },
        bearer: caller,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'team.member_updated', count: 'per success' },
        after: async () => {
          const real = (await rowsOf(t.ts, 'auditEvents')).filter(
            (e) => e.type === 'team.member_updated' && changed(e),
          );
          return real.length === 1 ? [] : [`${real.length} changes recorded for one`];
        },
      };
    },
  },
  'sys.updateOrganizationSettings': {
    async prepare({ ids }, caller) {
      return {
        input: {
          params: { id: String(ids.organizationId('Acme Corp')) },
          body: { impersonationEnabled: false },
        },
        bearer: caller,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'settings.changed', count: 'per success' },
      };
    },
  },
  'sys.updateSettings': {
    async prepare(_run, caller) {
      return {
        input: { body: { operatorImpersonation: { enabled: false, maxMinutes: 60 } } },
        bearer: caller,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'settings.changed', count: 'per success' },
      };
    },
  },
  'sys.provisionUser': {
    async prepare({ t }, caller) {
      const before = (await rowsOf(t.ts, 'users')).length;
      const profiles = (await rowsOf(t.ts, 'profiles')).length;
      return {
        input: starts(t)['sys.provisionUser'] ?? {},
        bearer: caller,
        codes: ['conflict'],
        succeed: 'all',
        event: { type: 'user.provisioned', count: 1 },
        after: async (answers) => {
          const users = (await rowsOf(t.ts, 'users')).length - before;
          const made = (await rowsOf(t.ts, 'profiles')).length - profiles;
          const created = answers.filter((a) => statusOf(a) === 201).length;
          return users === 1 && made === 1 && created === 1
            ? []
            : [`${users} users, ${made} profiles, ${created} answered 201 for one address`];
        },
      };
    },
  },
  'sys.emailSignInLink': {
    async prepare({ t }, caller) {
      return {
        input: starts(t)['sys.emailSignInLink'] ?? {},
        bearer: caller,
        codes: [],
        succeed: 'all',
        after: async () => {
          await t.deps.background.idle();
          const links = (await rowsOf(t.ts, 'oneClickLinks')).length;
          const mails = t.mail.filter((m) => m.to === 'buyer@acme.test').length;
          const emailed = countType(await rowsOf(t.ts, 'auditEvents'), 'one_click.emailed');
          return links === mails && mails === emailed && mails >= 1
            ? []
            : [`${links} links, ${mails} mails, ${emailed} one_click.emailed events`];
        },
      };
    },
  },
  'sys.oneClickLink': {
    async prepare({ t }, caller) {
      return {
        input: starts(t)['sys.oneClickLink'] ?? {},
        bearer: caller,
        codes: [],
        succeed: 'all',
        event: { type: 'one_click.issued', count: 'per success' },
        after: async () => {
          const links = (await rowsOf(t.ts, 'oneClickLinks')).length;
          return links === N ? [] : [`${links} links for ${N}`];
        },
      };
    },
  },
  'loginTokens.create': {
    async prepare({ t }, caller) {
      return {
        input: starts(t)['loginTokens.create'] ?? {},
        bearer: caller,
        codes: [],
        succeed: 'all',
        event: { type: 'login_token.created', count: 'per success' },
        after: async () => {
          const rows = (await rowsOf(t.ts, 'loginTokens')).length;
          return rows === N ? [] : [`${rows} tokens for ${N}`];
        },
      };
    },
  },
  'loginTokens.remove': {
    async prepare(run) {
      const made = await loginToken(run);
      return {
        input: { params: { id: String(made.id) } },
        bearer: made.ops,
        codes: ['not_found'],
        succeed: 'some',
        event: { type: 'login_token.deleted', count: 1 },
        after: async () => {
          const redeem = await run.t.call('POST', '/api/public/auth/login-token', {
            body: { token: made.token },
          });
          return redeem.status >= 400 && redeem.status < 500
            ? []
            : [`the deleted token redeemed: ${redeem.status}`];
        },
      };
    },
  },
  'apiKeys.create': {
    async prepare({ t }, caller) {
      return {
        input: starts(t)['apiKeys.create'] ?? {},
        bearer: caller,
        codes: [],
        succeed: 'all',
        event: { type: 'api_key.created', count: 'per success' },
        after: async () => {
          const rows = (await rowsOf(t.ts, 'apiKeys')).length;
          return rows === N ? [] : [`${rows} keys for ${N}`];
        },
      };
    },
  },
  'apiKeys.revoke': {
    async prepare({ t, ids }, caller) {
      const root = caller;
      const key = await t.client(root).apiKeys.create({
        name: 'Punch-out',
        scopes: ['users:read'],
        organizationIds: [ids.organizationId('Acme Corp')],
      });
      return {
        input: { params: { id: key.key.id } },
        bearer: root,
        codes: ['not_found'],
        succeed: 'some',
        event: { type: 'api_key.revoked', count: 1 },
        after: async () => {
          const used = await t.call('GET', '/api/sys/users', { token: key.secret });
          return used.status === 401 ? [] : [`the revoked key answered ${used.status}`];
        },
      };
    },
  },
  'test.createOrganization': {
    async prepare({ t }) {
      const before = (await rowsOf(t.ts, 'organizations')).length;
      return {
        input: starts(t)['test.createOrganization'] ?? {},
        bearer: null,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'test.organization_created', count: 'per success' },
        after: async (answers) => {
          const made = (await rowsOf(t.ts, 'organizations')).length - before;
          const created = answers.filter(ok).length;
          return made === created ? [] : [`${made} organizations, ${created} answered made`];
        },
      };
    },
  },
  'test.createOperator': {
    async prepare({ t }) {
      const before = (await rowsOf(t.ts, 'users')).length;
      return {
        input: starts(t)['test.createOperator'] ?? {},
        bearer: null,
        codes: ['conflict'],
        succeed: 'some',
        event: { type: 'test.operator_created', count: 'per success' },
        after: async (answers) => {
          const made = (await rowsOf(t.ts, 'users')).length - before;
          const created = answers.filter(ok).length;
          return made === created ? [] : [`${made} operators, ${created} answered made`];
        },
      };
    },
  },
  'test.advanceClock': {
    async prepare({ t }) {
      return {
        input: starts(t)['test.advanceClock'] ?? {},
        bearer: null,
        codes: [],
        succeed: 'all',
        event: { type: 'test.clock_advanced', count: 'per success' },
        after: async () => {
          const clocks = await rowsOf(t.ts, 'testClocks');
          const offsets = clocks.map((c) => c.offsetMs);
          return offsets.length === 1 && offsets[0] === N * 1000
            ? []
            : [`the clock moved ${JSON.stringify(offsets)} for ${N} advances of 1 s`];
        },
      };
    },
  },
  // Two GETs that issue something: a session holds at most one unused hand-off (ADR 037).
  'impersonation.teamHandoff': {
    async prepare({ t }, caller) {
      return {
        input: starts(t)['impersonation.teamHandoff'] ?? {},
        bearer: caller,
        codes: [],
        succeed: 'all',
        event: { type: 'impersonation.token_issued', count: 'per success' },
        after: async () => {
          const open = (await rowsOf(t.ts, 'impersonations')).filter((i) => i.endedAt === null);
          return open.length === 1 ? [] : [`${open.length} unused hand-offs left open`];
        },
      };
    },
  },
  'impersonation.operatorHandoff': {
    async prepare({ t }, caller) {
      return {
        input: starts(t)['impersonation.operatorHandoff'] ?? {},
        bearer: caller,
        codes: [],
        succeed: 'all',
        event: { type: 'impersonation.token_issued', count: 'per success' },
        after: async () => {
          const open = (await rowsOf(t.ts, 'impersonations')).filter((i) => i.endedAt === null);
          return open.length === 1 ? [] : [`${open.length} unused hand-offs left open`];
        },
      };
    },
  },
};

const writeRoutes = table.filter(([, r]) => r.method !== 'get').map(([name]) => name);

async function sameAtOnce(name: RouteName): Promise<string[]> {
  const c = sameCases[name];
  if (!c) return [`${name}: no case`];
  const run = await fresh();
  const { t } = run;
  const who = callers[name];
  const plan = await c.prepare(run, who ? await token(t, who) : '');
  const since = await lastEventId(t);
  const logged = run.raw.length;
  const answers = await Promise.all(
    Array.from({ length: N }, () => fire(t, name, plan.input, plan.bearer)),
  );
  const problems = answers.flatMap((a, i) => judgeAnswer(`#${i + 1}`, a, plan.codes));
  const wins = answers.filter(ok).length;
  const expected = plan.succeed;
  if (
    (expected === 'all' && wins !== N) ||
    (expected === 'some' && wins < 1) ||
    (typeof expected === 'number' && wins !== expected)
  ) {
    problems.push(`${wins} succeeded, not ${expected === 'some' ? 'at least 1' : expected}`);
  }
  const events = await eventsSince(t, since);
  if (plan.event) {
    const n = countType(events, plan.event.type);
    const want = plan.event.count === 'per success' ? wins : plan.event.count;
    if (n !== want) problems.push(`${n} ${plan.event.type} events, not ${want}`);
  }
  if (plan.after) problems.push(...(await plan.after(answers)));
  problems.push(...logProblems(run, logged), ...(await trailProblems(run)));
  return problems.length > 0 ? [`answers: ${shown(answers)}`, ...problems] : [];
}

describe(`the same request sent ${N} times at once`, () => {
  it('every write route of the table has a case', () => {
    expect(writeRoutes.filter((name) => !sameCases[name])).toEqual([]);
  });

  const names = [
    ...writeRoutes,
    'impersonation.teamHandoff',
    'impersonation.operatorHandoff',
  ] as RouteName[];
  for (const name of names) {
    it.concurrent(
      `${name}: no 5xx, done as often as the rules allow, one event per change, the trail verifies`,
      async ({ expect }) => {
        expect(await sameAtOnce(name)).toEqual([]);
      },
      TIMEOUT_MS,
    );
  }
});

// ---- two conflicting requests at once ---------------------------------------------------------

interface Sent {
  label: string;
  name: RouteName;
  input: Input;
  bearer: string | null;
  /** The refusals the rules allow it, whichever comes first. */
  codes: readonly string[];
}

interface Pair {
  prepare(run: Run): Promise<{
    requests: Sent[];
    /** What the state must be, given the answers (in the order of `requests`). */
    after(answers: Answer[]): Promise<string[]>;
  }>;
}

/** A request of a pair, typed as one (its input's shape is the route's). */
const sent = (request: Sent): Sent => request;

const linkRefusals = ['link_invalid', 'link_revoked', 'link_used', 'link_expired'] as const;
const exchangeRefusals = [
  'handoff_used',
  'handoff_withdrawn',
  'handoff_invalid',
  'impersonation_disabled',
  'impersonation_upward',
  'impersonation_target_disabled',
  'forbidden',
  'session_expired',
] as const;

/** No live session row (not revoked, not expired) of a user whose account is disabled. */
async function disabledHoldNothing(t: TestApp, email: string): Promise<string[]> {
  const user = (await rowsOf(t.ts, 'users')).find((u) => u.email === email);
  if (user?.status !== 'disabled') return [];
  const live = await liveSessionsOf(t, user.id);
  const imps = (await running(t)).filter(
    (i) => i.targetUserId === user.id || i.actorUserId === user.id,
  );
  return [
    ...(live.length > 0
      ? [`${email} is disabled yet ${live.length} of their sessions are live`]
      : []),
    ...(imps.length > 0 ? [`${email} is disabled yet ${imps.length} impersonations run`] : []),
  ];
}

/** No running impersonation the policy would end at its next request (ADR 023). */
async function noTeamImpersonationOf(t: TestApp, why: string): Promise<string[]> {
  const now = await running(t);
  return now.length > 0 ? [`${now.length} impersonations still run though ${why}`] : [];
}

/**
 * A credential that lost its race to a withdrawal was never used: "used" would send its person to
 * the wrong page and count a use on its record (SPEC §5: expired, used, revoked and forged each
 * get their own answer).
 */
async function notCalledUsed(
  t: TestApp,
  redeemed: Answer | undefined,
  credential: { kind: 'login_token'; id: number } | { kind: 'one_click' },
): Promise<string[]> {
  if (!redeemed || codeOf(redeemed) !== 'link_used') return [];
  const used =
    credential.kind === 'login_token'
      ? ((await rowsOf(t.ts, 'loginTokens')).find((r) => r.id === credential.id)
          ?.successfulAttempts ?? 0) > 0
      : (await rowsOf(t.ts, 'oneClickLinks')).some((l) => l.usedAt !== null);
  return used ? [] : ['the redemption was refused as link_used, yet the credential was never used'];
}

/**
 * After a login token was withdrawn (`how`) while it was redeemed: not called used if no one used
 * it, none of its sessions live, and the one the redemption opened, if any, no longer opens.
 */
async function withdrawnTokenHoldsNothing(
  t: TestApp,
  redeemed: Answer,
  id: number,
  how: 'deleted' | 'revoked',
): Promise<string[]> {
  const live = (await rowsOf(t.ts, 'sessions')).filter(
    (s) => s.viaCredentialId === String(id) && s.revokedAt === null,
  );
  const opened = tokenOf(redeemed);
  return [
    ...(await notCalledUsed(t, redeemed, { kind: 'login_token', id })),
    ...(live.length > 0 ? [`the token is ${how}, ${live.length} of its sessions live`] : []),
    ...(opened && (await alive(t, opened)) ? ['its session still opens'] : []),
  ];
}

/** The demo's superadmin disables the person, as Admin › Users does. */
const disable = (run: Run, userId: number) =>
  sent({
    label: 'disable',
    name: 'sys.updateUser',
    input: {
      params: { id: String(userId) },
      body: { status: 'disabled', reason: 'Leaving the company' },
    },
    bearer: run.root,
    codes: ['conflict'],
  });

const pairs: Record<string, Pair> = {
  'a login token deleted while it is redeemed': {
    async prepare(run) {
      const made = await loginToken(run);
      return {
        requests: [
          sent({
            label: 'remove',
            name: 'loginTokens.remove',
            input: { params: { id: String(made.id) } },
            bearer: made.ops,
            codes: ['not_found'],
          }),
          sent({
            label: 'redeem',
            name: 'links.redeemLoginToken',
            input: { body: { token: made.token } },
            bearer: null,
            codes: linkRefusals,
          }),
        ],
        async after([removed, redeemed]) {
          if (!removed || !redeemed || !ok(removed)) return [];
          return withdrawnTokenHoldsNothing(run.t, redeemed, made.id, 'deleted');
        },
      };
    },
  },
  'a login token revoked by its person while it is redeemed': {
    async prepare(run) {
      const made = await loginToken(run, false);
      const buyer = await token(run.t, 'buyer@acme.test');
      return {
        requests: [
          sent({
            label: 'revoke',
            name: 'account.revokeCredential',
            input: { params: { kind: 'login_token', id: String(made.id) } },
            bearer: buyer,
            codes: ['not_found'],
          }),
          sent({
            label: 'redeem',
            name: 'links.redeemLoginToken',
            input: { body: { token: made.token } },
            bearer: null,
            codes: linkRefusals,
          }),
        ],
        async after([revoked, redeemed]) {
          if (!revoked || !redeemed || !ok(revoked)) return [];
          return withdrawnTokenHoldsNothing(run.t, redeemed, made.id, 'revoked');
        },
      };
    },
  },
  'a user disabled while they redeem a one-click link': {
    async prepare(run) {
      const link = await emailedLink(run);
      return {
        requests: [
          disable(run, link.userId),
          sent({
            label: 'redeem',
            name: 'links.redeemOneClick',
            input: { body: link },
            bearer: null,
            codes: [...linkRefusals, 'account_disabled'],
          }),
        ],
        async after([, redeemed]) {
          const opened = redeemed ? tokenOf(redeemed) : null;
          return [
            ...(await notCalledUsed(run.t, redeemed, { kind: 'one_click' })),
            ...(await disabledHoldNothing(run.t, 'buyer@acme.test')),
            ...(opened && (await alive(run.t, opened)) ? ['the disabled buyer is signed in'] : []),
          ];
        },
      };
    },
  },
  'a user disabled while they redeem a login token': {
    async prepare(run) {
      const made = await loginToken(run, false);
      return {
        requests: [
          disable(run, run.ids.userId('buyer@acme.test')),
          sent({
            label: 'redeem',
            name: 'links.redeemLoginToken',
            input: { body: { token: made.token } },
            bearer: null,
            codes: [...linkRefusals, 'account_disabled'],
          }),
        ],
        async after([, redeemed]) {
          const opened = redeemed ? tokenOf(redeemed) : null;
          return [
            ...(await notCalledUsed(run.t, redeemed, { kind: 'login_token', id: made.id })),
            ...(await disabledHoldNothing(run.t, 'buyer@acme.test')),
            ...(opened && (await alive(run.t, opened)) ? ['the disabled buyer is signed in'] : []),
          ];
        },
      };
    },
  },
  'a user disabled while an impersonation of them is exchanged': {
    async prepare(run) {
      const { admin, handoff } = await teamHandoff(run);
      return {
        requests: [
          disable(run, run.ids.userId('buyer@acme.test')),
          sent({
            label: 'exchange',
            name: 'impersonation.exchange',
            input: { params: { token: handoff } },
            bearer: admin,
            codes: exchangeRefusals,
          }),
        ],
        async after([, exchanged]) {
          const opened = exchanged ? tokenOf(exchanged) : null;
          return [
            ...(await disabledHoldNothing(run.t, 'buyer@acme.test')),
            ...(opened && (await alive(run.t, opened)) ? ['acting as a disabled user'] : []),
          ];
        },
      };
    },
  },
  'the acting admin disabled while their hand-off is exchanged': {
    async prepare(run) {
      const { admin, handoff } = await teamHandoff(run);
      return {
        requests: [
          disable(run, run.ids.userId('admin@acme.test')),
          sent({
            label: 'exchange',
            name: 'impersonation.exchange',
            input: { params: { token: handoff } },
            bearer: admin,
            codes: [...exchangeRefusals, 'unauthenticated'],
          }),
        ],
        async after([, exchanged]) {
          const opened = exchanged ? tokenOf(exchanged) : null;
          return [
            ...(await disabledHoldNothing(run.t, 'admin@acme.test')),
            ...(opened && (await alive(run.t, opened)) ? ['a disabled admin acts as someone'] : []),
          ];
        },
      };
    },
  },
  "a member raised past the team admin while the admin's hand-off is exchanged": {
    async prepare(run) {
      const { admin, handoff } = await teamHandoff(run);
      const owner = await token(run.t, 'owner@acme.test');
      return {
        requests: [
          sent({
            label: 'raise',
            name: 'team.updateMember',
            input: {
              params: { profileId: String(run.ids.profileId('buyer@acme.test')) },
              body: { role: 'owner' },
            },
            bearer: owner,
            codes: ['conflict'],
          }),
          sent({
            label: 'exchange',
            name: 'impersonation.exchange',
            input: { params: { token: handoff } },
            bearer: admin,
            codes: exchangeRefusals,
          }),
        ],
        async after([raised, exchanged]) {
          const opened = exchanged ? tokenOf(exchanged) : null;
          if (!raised || !ok(raised)) return [];
          return [
            ...(await noTeamImpersonationOf(run.t, 'the buyer is now an owner')),
            ...(opened && (await alive(run.t, opened))
              ? ['acting as someone above the actor']
              : []),
          ];
        },
      };
    },
  },
  'the team admin demoted while their hand-off is exchanged': {
    async prepare(run) {
      const { admin, handoff } = await teamHandoff(run);
      const owner = await token(run.t, 'owner@acme.test');
      return {
        requests: [
          sent({
            label: 'demote',
            name: 'team.updateMember',
            input: {
              params: { profileId: String(run.ids.profileId('admin@acme.test')) },
              body: { role: 'member' },
            },
            bearer: owner,
            codes: ['conflict'],
          }),
          sent({
            label: 'exchange',
            name: 'impersonation.exchange',
            input: { params: { token: handoff } },
            bearer: admin,
            codes: exchangeRefusals,
          }),
        ],
        async after([demoted, exchanged]) {
          const opened = exchanged ? tokenOf(exchanged) : null;
          if (!demoted || !ok(demoted)) return [];
          return [
            ...(await noTeamImpersonationOf(run.t, 'the admin lost team:impersonate')),
            ...(opened && (await alive(run.t, opened)) ? ['a member acts as someone'] : []),
          ];
        },
      };
    },
  },
  'a member raised past the team admin while the admin acts as them': {
    async prepare(run) {
      const { imp } = await impersonation(run);
      const owner = await token(run.t, 'owner@acme.test');
      return {
        requests: [
          sent({
            label: 'raise',
            name: 'team.updateMember',
            input: {
              params: { profileId: String(run.ids.profileId('buyer@acme.test')) },
              body: { role: 'owner' },
            },
            bearer: owner,
            codes: ['conflict'],
          }),
          sent({
            label: 'order as them',
            name: 'orders.place',
            input: { body: { sku: 'PAPER-A4', quantity: 1 } },
            bearer: imp,
            codes: ['impersonation_ended', 'session_expired', 'unauthenticated'],
          }),
        ],
        async after([raised]) {
          if (!raised || !ok(raised)) return [];
          return [
            ...(await noTeamImpersonationOf(run.t, 'the buyer is now an owner')),
            ...((await alive(run.t, imp)) ? ['the impersonation session still opens'] : []),
          ];
        },
      };
    },
  },
  'the team door switched off while a hand-off is exchanged': {
    async prepare(run) {
      const { admin, handoff } = await teamHandoff(run);
      const owner = await token(run.t, 'owner@acme.test');
      return {
        requests: [
          sent({
            label: 'door off',
            name: 'team.updateSettings',
            input: {
              body: {
                impersonationEnabled: false,
                impersonationMaxMinutes: 60,
                selfServiceLinksEnabled: true,
                integrationsEnabled: true,
              },
            },
            bearer: owner,
            codes: ['conflict'],
          }),
          sent({
            label: 'exchange',
            name: 'impersonation.exchange',
            input: { params: { token: handoff } },
            bearer: admin,
            codes: exchangeRefusals,
          }),
        ],
        async after([closed, exchanged]) {
          const opened = exchanged ? tokenOf(exchanged) : null;
          if (!closed || !ok(closed)) return [];
          return [
            ...(await noTeamImpersonationOf(run.t, 'the team door is off')),
            ...(opened && (await alive(run.t, opened)) ? ['acting through a closed door'] : []),
          ];
        },
      };
    },
  },
  'sign-out while the session switches profile': {
    async prepare(run) {
      const { t, ids } = run;
      const member = await token(t, 'member@acme.test');
      return {
        requests: [
          sent({
            label: 'sign out',
            name: 'auth.signOut',
            input: {},
            bearer: member,
            codes: ['session_expired', 'unauthenticated'],
          }),
          sent({
            label: 'switch',
            name: 'profiles.switchTo',
            input: { body: { Id: ids.profileId('member@acme.test', 'Globex Inc') } },
            bearer: member,
            codes: ['session_expired', 'unauthenticated'],
          }),
        ],
        async after([out, switched]) {
          const live = await liveSessionsOf(t, ids.userId('member@acme.test'));
          const problems: string[] = [];
          // A sign-out answered 200 signed this device out: nothing it held opens any more.
          if (out && ok(out) && live.length > 0) {
            problems.push(`signed out (200), yet ${live.length} session of the device is live`);
          }
          if (out && ok(out) && switched && ok(switched)) {
            problems.push('both the sign-out and the switch of the same session succeeded');
          }
          if (live.length > 1) problems.push(`${live.length} live sessions from one`);
          return problems;
        },
      };
    },
  },
  'leave while its hand-off is exchanged again': {
    async prepare(run) {
      const { admin, handoff, imp } = await impersonation(run);
      return {
        requests: [
          sent({
            label: 'leave',
            name: 'impersonation.leave',
            input: {},
            bearer: imp,
            codes: ['impersonation_ended', 'session_expired', 'unauthenticated'],
          }),
          sent({
            label: 'exchange again',
            name: 'impersonation.exchange',
            input: { params: { token: handoff } },
            bearer: admin,
            codes: ['handoff_used'],
          }),
        ],
        async after([, again]) {
          const sessions = (await rowsOf(run.t.ts, 'sessions')).filter(
            (s) => s.impersonationId !== null && s.revokedAt === null,
          );
          return [
            ...(again && ok(again) ? ['a used hand-off was exchanged again'] : []),
            ...((await running(run.t)).length > 0 ? ['the impersonation still runs'] : []),
            ...(sessions.length > 0 ? [`${sessions.length} impersonation sessions live`] : []),
            ...((await alive(run.t, admin)) ? [] : ["the admin's own session ended"]),
          ];
        },
      };
    },
  },
  'an API key revoked while it makes a login token': {
    async prepare(run) {
      const { t, ids, root } = run;
      const key = await t.client(root).apiKeys.create({
        name: 'Punch-out',
        scopes: ['login-tokens:manage', 'users:read'],
        organizationIds: [ids.organizationId('Acme Corp')],
      });
      return {
        requests: [
          sent({
            label: 'revoke',
            name: 'apiKeys.revoke',
            input: { params: { id: key.key.id } },
            bearer: root,
            codes: ['not_found'],
          }),
          sent({
            label: 'make a token with it',
            name: 'loginTokens.create',
            input: {
              body: {
                subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
                expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
                use: 'integration',
              },
            },
            bearer: key.secret,
            codes: ['unauthenticated'],
          }),
        ],
        async after([revoked, made]) {
          if (!revoked || !ok(revoked)) return [];
          const problems: string[] = [];
          const used = await t.call('GET', '/api/sys/users', { token: key.secret });
          if (used.status !== 401) problems.push(`the revoked key answered ${used.status}`);
          const secret = tokenOf(made ?? { threw: '' });
          if (secret) {
            // A credential dies when its maker loses the right to make it (SPEC §4b).
            const redeem = await t.call('POST', '/api/public/auth/login-token', {
              body: { token: secret },
            });
            if (redeem.status < 400) {
              problems.push(`a token the revoked key made redeemed: ${redeem.status}`);
            }
          }
          return problems;
        },
      };
    },
  },
};

async function pairAtOnce(what: string, round: number): Promise<string[]> {
  const pair = pairs[what];
  if (!pair) return [`${what}: no pair`];
  const run = await fresh();
  const { requests, after } = await pair.prepare(run);
  const logged = run.raw.length;
  const { reversed, turns, jobs } = ROUNDS[round] ?? { reversed: false, turns: 0, jobs: 0 };
  const order = reversed ? [...requests].reverse() : requests;
  const sent = await Promise.all(
    order.map(async (r, i) => {
      if (i > 0) {
        for (let k = 0; k < turns; k++) await nextTurn();
        for (let k = 0; k < jobs; k++) await Promise.resolve();
      }
      return fire(run.t, r.name, r.input, r.bearer);
    }),
  );
  const answers = reversed ? [...sent].reverse() : sent;
  const problems = requests.flatMap((r, i) => {
    const a = answers[i];
    return a ? judgeAnswer(r.label, a, r.codes) : [];
  });
  problems.push(
    ...(await after(answers)),
    ...logProblems(run, logged),
    ...(await trailProblems(run)),
  );
  if (problems.length === 0) return [];
  const said = requests.map((r, i) => `${r.label} ${shown([answers[i] as Answer])}`).join(', ');
  const how = `${reversed ? 'second first' : 'first first'}, ${turns} turns, ${jobs} jobs`;
  return [`round ${round + 1}, ${how} (${said})`, ...problems];
}

// One pair at a time: on SQLite, how the two interleave is then the same on every run.
describe('two conflicting requests at once', () => {
  for (const what of Object.keys(pairs)) {
    it(
      `${what}: no 5xx, and whichever wins leaves a state the rules allow`,
      async ({ expect }) => {
        const problems: string[] = [];
        for (let round = 0; round < ROUNDS.length; round++) {
          problems.push(...(await pairAtOnce(what, round)));
        }
        expect(problems).toEqual([]);
      },
      TIMEOUT_MS,
    );
  }
});
