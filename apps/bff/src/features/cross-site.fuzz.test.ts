import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { errorBody, errorCatalogue } from '@onbehalf/contracts/errors';
import { type RouteContract, type RouteName, routes } from '@onbehalf/contracts/routes';
import { TEST_CLOCK_HEADER } from '@onbehalf/contracts/test-mode';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { DEMO_PASSWORD } from '../store/demo.ts';
import {
  callers,
  changes,
  type Input,
  jsonText,
  queryText,
  type Snapshot,
  snapshot,
  starts,
} from '../test/bad-input-probes.ts';
import { afterThisFile } from '../test/file-cleanup.ts';
import { createTestApp, demoIds, jsonOf, ORIGIN, type TestApp } from '../test/harness.ts';

/**
 * A page on another site, with a signed-in victim's browser (SPEC §3, §8; ADR 006): whatever it
 * makes the browser send, with the victim's session cookie, changes nothing, hands out nothing
 * and starts no impersonation. Every route of the table, as each kind of person signed in by
 * cookie (and signed out: a login CSRF), in every shape a browser, an old one included, sends a
 * request another site made: each is a 4xx of the catalogue and the database is as it was. The
 * same request from the portal's own origin is the control: it gets past the guards.
 */

const EVIL = 'https://evil.example';
/** Same site as PUBLIC_ORIGIN (`http://portal.test`), another origin: a sibling subdomain. */
const SIBLING = 'http://evil.portal.test';
/** What a browser behind an HTTP Basic gate (a staging site) adds to every request itself. */
const BASIC_GATE = `Basic ${Buffer.from('staging:gate-password').toString('base64')}`;
const SAME_ORIGIN: [string, string][] = [
  ['origin', ORIGIN],
  ['sec-fetch-site', 'same-origin'],
  ['sec-fetch-mode', 'cors'],
  ['sec-fetch-dest', 'empty'],
];

type PersonaName =
  | 'owner'
  | 'admin'
  | 'member'
  | 'support'
  | 'superadmin'
  | 'impersonating'
  | 'operatorImpersonating'
  | 'signedOut';

interface World {
  t: TestApp;
  /** Each person's cookies as their browser holds them; none for someone signed out. */
  cookies: Record<PersonaName, string | null>;
  /** A valid input per route, naming real things where a route acts on one. */
  inputs: Partial<Record<RouteName, Input>>;
  /** The attacker's own credentials, for a login CSRF: a login token, and a link's parts. */
  attacker: { loginToken: string; userId: number; hash: string };
}

const reason = 'Checking an odd request';

/** The demo's people signed in by cookie, and real targets for every route that acts on one. */
async function world(options: Parameters<typeof createTestApp>[0] = {}): Promise<World> {
  const t = await createTestApp(options);
  const ids = demoIds(t);
  const cookie = (token: string) => `ob_session=${token}`;
  const buyerId = ids.userId('buyer@acme.test');
  const buyerProfile = ids.profileId('buyer@acme.test');
  const soloId = ids.userId('solo@example.test');
  const acme = ids.organizationId('Acme Corp');

  const owner = await t.signIn('owner@acme.test');
  const ownerElsewhere = await t.signIn('owner@acme.test');
  const admin = await t.signIn('admin@acme.test');
  const member = await t.signInAs('member@acme.test', 'Acme Corp');
  const support = await t.signIn('support@onbehalf.test');
  const root = await t.signIn('root@onbehalf.test');
  const asRoot = t.client(root.token);

  // A team admin acting as Ben (team door), and an operator acting as Sam (operator door).
  const actor = await t.signIn('admin@acme.test');
  const teamHandoff = await t.client(actor.token).impersonation.teamHandoff(buyerProfile, reason);
  const teamImp = await t.client(actor.token).impersonation.exchange(teamHandoff.token);
  const operator = await t.signIn('ops@onbehalf.test');
  const operatorHandoff = await t.client(operator.token).impersonation.operatorHandoff({
    userId: soloId,
    profileId: ids.profileId('solo@example.test', 'Sam Solo'),
    reason,
    ticket: 'T-1',
  });
  const operatorImp = await t.client(operator.token).impersonation.exchange(operatorHandoff.token);
  const impersonationId = teamImp.session.actor?.impersonationId;
  if (!impersonationId) throw new Error('the exchange started no impersonation');

  // A hand-off the admin holds and has not exchanged: what a forged exchange would start.
  const adminHandoff = await t
    .client(admin.token)
    .impersonation.teamHandoff(ids.profileId('member@acme.test'), reason);
  // The attacker's own credentials (Ben is the attacker in a login CSRF): a link mailed to
  // him, and an integration's login token for him.
  await asRoot.sys.emailOneClickLink({ userId: buyerId });
  const hash = new URL(t.latestMail('buyer@acme.test').url ?? '').pathname.split('/')[3] ?? '';
  const tomorrow = new Date(t.clock.now() + 86_400_000).toISOString();
  const tokenFor = () =>
    asRoot.loginTokens.create({
      subject: { type: 'profile', profileId: buyerProfile },
      expiresAt: tomorrow,
      oneTimeUse: true,
      extra: 'punch-out',
      use: 'integration',
      reason,
      ticket: 'T-1',
    });
  const loginToken = await tokenFor();
  const spareToken = await tokenFor();
  // A link made for the owner, which the owner may withdraw.
  await asRoot.sys.emailOneClickLink({ userId: ids.userId('owner@acme.test') });
  const ownCredentials = await t.client(owner.token).account.credentials({ heldBy: 'me' });
  const ownLink = ownCredentials.credentials.find((c) => c.kind === 'one_click');
  if (!ownLink) throw new Error('the owner holds no link');
  const apiKey = await asRoot.apiKeys.create({
    name: 'Punch-out',
    scopes: ['users:read'],
    organizationIds: [acme],
    expiresInDays: 30,
  });

  const given = starts(t);
  const inputs: Partial<Record<RouteName, Input>> = {
    ...given,
    'auth.signIn': { body: { email: 'buyer@acme.test', password: DEMO_PASSWORD } },
    'auth.revokeSession': { params: { id: ownerElsewhere.session.id } },
    'links.previewOneClick': { body: { userId: buyerId, hash } },
    'links.redeemOneClick': { body: { userId: buyerId, hash } },
    'links.previewLoginToken': { body: { token: loginToken.token } },
    'links.redeemLoginToken': { body: { token: loginToken.token } },
    'impersonation.exchange': { params: { token: adminHandoff.token } },
    'account.setImpersonationPreference': { body: { allowTeamImpersonation: false } },
    'account.revokeCredential': { params: { kind: ownLink.kind, id: ownLink.id } },
    'team.updateMember': {
      params: { profileId: String(buyerProfile) },
      body: { permissions: ['orders:read'] },
    },
    'team.updateSettings': {
      body: {
        impersonationEnabled: true,
        impersonationMaxMinutes: 45,
        selfServiceLinksEnabled: true,
        integrationsEnabled: true,
      },
    },
    'audit.impersonation': { params: { id: impersonationId }, query: { limit: '10' } },
    'audit.teamImpersonation': { params: { id: impersonationId }, query: { limit: '10' } },
    'sys.updateUser': { params: { id: String(soloId) }, body: { status: 'disabled', reason } },
    'sys.setProfileRole': { params: { id: String(buyerProfile) }, body: { role: 'admin', reason } },
    'sys.updateOrganizationSettings': {
      params: { id: String(acme) },
      body: { impersonationMaxMinutes: 17 },
    },
    'loginTokens.details': { params: { id: String(spareToken.id) }, query: { limit: '10' } },
    'loginTokens.remove': { params: { id: String(spareToken.id) } },
    'apiKeys.revoke': { params: { id: apiKey.key.id } },
  };
  return {
    t,
    cookies: {
      owner: cookie(owner.token),
      admin: cookie(admin.token),
      member: cookie(member.token),
      support: cookie(support.token),
      superadmin: cookie(root.token),
      impersonating: `${cookie(actor.token)}; ob_impersonation=${teamImp.token}`,
      operatorImpersonating: `${cookie(operator.token)}; ob_impersonation=${operatorImp.token}`,
      signedOut: null,
    },
    inputs,
    attacker: { loginToken: loginToken.token, userId: buyerId, hash },
  };
}

const personas = [
  'owner',
  'admin',
  'member',
  'support',
  'superadmin',
  'impersonating',
  'operatorImpersonating',
  'signedOut',
] as const satisfies readonly PersonaName[];

/** Who sends a route's control request: the demo person the bad-input suites call it as. */
function controlPersona(name: RouteName): PersonaName {
  if (name === 'impersonation.leave') return 'impersonating';
  const byEmail: Record<string, PersonaName> = {
    'owner@acme.test': 'owner',
    'admin@acme.test': 'admin',
    'member@acme.test': 'member',
    'buyer@acme.test': 'member',
    'root@onbehalf.test': 'superadmin',
  };
  const email = callers[name];
  return email === null ? 'signedOut' : (byEmail[email] ?? 'superadmin');
}

// ---- requests and answers -------------------------------------------------------------------

interface Request {
  method: string;
  url: string;
  headers: [string, string][];
  cookie: string | null;
  contentType?: string;
  body?: string;
}

interface Answer {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

/** Sent as a browser would: repeated headers appended (a duplicated Origin is one joined value). */
async function send(app: { request: TestApp['app']['request'] }, r: Request): Promise<Answer> {
  const headers = new Headers();
  for (const [name, value] of r.headers) headers.append(name, value);
  if (r.cookie) headers.set('cookie', r.cookie);
  if (r.contentType !== undefined) headers.set('content-type', r.contentType);
  if (r.body !== undefined) headers.set('content-length', String(Buffer.byteLength(r.body)));
  const response = await app.request(`${ORIGIN}${r.url}`, {
    method: r.method,
    headers,
    ...(r.body !== undefined ? { body: r.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, text, json: jsonOf(text), headers: response.headers };
}

function urlOf(route: RouteContract, input: Input): string {
  const filled = route.path.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(input.params?.[name] ?? ''),
  );
  const pairs: [string, string][] = Object.entries(input.query ?? {})
    .filter(([, v]) => v !== '')
    .map(([k, v]) => [k, encodeURIComponent(v)]);
  return pairs.length > 0 ? `${filled}?${queryText(pairs)}` : filled;
}

/** The error's code: in the envelope, or on the page a navigation is answered with. */
function codeOf(answer: Answer): string | undefined {
  const envelope = errorBody.safeParse(answer.json);
  if (envelope.success) return envelope.data.error.code;
  return /<code>(\w+)<\/code>/.exec(answer.text)?.[1];
}

const short = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}…` : text);

/** Any CORS grant: none is ever made, to any origin, on any answer (ADR 006). */
function corsGrants(answer: Answer): string[] {
  return [...answer.headers.keys()]
    .filter((name) => name.startsWith('access-control-'))
    .map((name) => `granted ${name}: ${answer.headers.get(name)}`);
}

/** What is wrong with an answer that must refuse: a 4xx of the catalogue, with one of `codes`. */
function refusalProblems(answer: Answer, codes?: readonly string[]): string[] {
  const problems = corsGrants(answer);
  if (answer.status < 400 || answer.status >= 500) {
    return [...problems, `answered ${answer.status}: ${short(answer.text)}`];
  }
  const code = codeOf(answer);
  if (code !== undefined) {
    const catalogued = errorCatalogue[code as keyof typeof errorCatalogue]?.status;
    if (catalogued !== answer.status) {
      problems.push(`refused ${answer.status} ${code}, the catalogue says ${catalogued}`);
    }
    if (codes && !codes.includes(code)) {
      problems.push(`refused ${answer.status} ${code}, not ${codes.join(' or ')}`);
    }
    // A HEAD is answered without a body: its status says it all.
  } else if (answer.text !== '') problems.push(`refused ${answer.status} without a code`);
  const setCookie = answer.headers.get('set-cookie');
  if (setCookie) problems.push(`set a cookie on a refusal: ${setCookie}`);
  return problems;
}

/**
 * What is wrong with a GET another site may make that ADR 006 does not refuse (an unmarked
 * read): it may be answered, but never a 5xx, never with a CORS grant, and an answer is kept
 * from a page that embeds it (`<script>`, `<img>`): CORP same-origin and nosniff. The session
 * it runs in is never replaced.
 */
function harmlessProblems(answer: Answer, sentCookie: string | null): string[] {
  const problems = corsGrants(answer);
  if (answer.status >= 500) problems.push(`answered ${answer.status}: ${short(answer.text)}`);
  if (answer.status < 400) {
    if (answer.headers.get('cross-origin-resource-policy') !== 'same-origin') {
      problems.push('answered without Cross-Origin-Resource-Policy: same-origin');
    }
    if (answer.headers.get('x-content-type-options') !== 'nosniff') {
      problems.push('answered without X-Content-Type-Options: nosniff');
    }
  }
  for (const set of answer.headers.getSetCookie()) {
    const [pair = ''] = set.split(';');
    const [name = '', value = ''] = pair.split('=');
    // Clearing a cookie is not signing anyone in; a new value of a session cookie is.
    if (value !== '' && /ob_(session|impersonation)$/.test(name) && !sentCookie?.includes(pair)) {
      problems.push(`set a session cookie: ${set}`);
    }
  }
  return problems;
}

/** Problems, grouped: each kind once per route, with how many probes had it and an example. */
class Findings {
  private readonly found = new Map<string, { count: number; example: string }>();

  add(route: string, problems: string[], example: string) {
    for (const problem of problems) {
      const key = `${route}: ${problem.replace(/[\w-]{43}/g, '…')}`;
      const entry = this.found.get(key);
      if (entry) entry.count++;
      else this.found.set(key, { count: 1, example });
    }
  }

  list(): string[] {
    return [...this.found].map(
      ([key, { count, example }]) => `${key} (${count}×, e.g. ${example})`,
    );
  }
}

const describeProbe = (r: Request, persona: string, what: string) =>
  `${r.method} ${short(r.url)} as ${persona}, ${what}${r.contentType ? ` (${r.contentType})` : ''}`;

interface Probe {
  persona: PersonaName;
  what: string;
  request: Request;
  judge: (answer: Answer) => string[];
}

/**
 * Sends a route's probes between two snapshots: nothing may change, not even the record of a
 * refused attempt (a refusal of another site is made before the session is read, and records
 * nothing). When something did change, each probe is sent again alone to say which did.
 */
async function runBatch(
  w: World,
  name: string,
  probes: Probe[],
  findings: Findings,
  /** Test mode's reads are recorded as the system's (ADR 006): those records are allowed. */
  readsRecorded = false,
) {
  const before = await snapshot(w.t, true);
  for (const probe of probes) {
    const answer = await send(w.t.app, probe.request);
    findings.add(
      name,
      probe.judge(answer),
      describeProbe(probe.request, probe.persona, probe.what),
    );
  }
  const after = await snapshot(w.t, true);
  const changed = await changes(w.t, before, after, readsRecorded);
  if (changed.length === 0) return;
  findings.add(name, [`the probes changed ${changed.join('; ')}`], 'the whole batch');
  let previous: Snapshot = after;
  for (const probe of probes) {
    await send(w.t.app, probe.request);
    const now = await snapshot(w.t, true);
    const alone = await changes(w.t, previous, now, readsRecorded);
    previous = now;
    if (alone.length > 0) {
      const example = describeProbe(probe.request, probe.persona, probe.what);
      findings.add(name, [`changed ${alone.join('; ')}`], example);
    }
  }
}

// ---- the shapes of a request another site makes -----------------------------------------------

interface Shape {
  what: string;
  headers: [string, string][];
  /** The codes it may be refused with; `csrf_rejected` alone unless said. */
  codes?: readonly string[];
  /** ADR 006: with neither Origin nor Sec-Fetch-Site, a JSON body is an API client's. */
  notWithJson?: true;
}

/** Unsafe methods: what a form, a fetch or an old browser sends from another site. */
const unsafeShapes: Shape[] = [
  {
    what: 'Origin of another site, Sec-Fetch-Site cross-site',
    headers: [
      ['origin', EVIL],
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'navigate'],
      ['sec-fetch-dest', 'document'],
    ],
  },
  {
    what: 'a no-cors fetch from another site',
    headers: [
      ['origin', EVIL],
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'no-cors'],
      ['sec-fetch-dest', 'empty'],
    ],
  },
  { what: 'Origin of another site, no Fetch Metadata', headers: [['origin', EVIL]] },
  {
    what: 'Origin null (sandboxed frame, data: URL)',
    headers: [
      ['origin', 'null'],
      ['sec-fetch-site', 'cross-site'],
    ],
  },
  { what: 'Origin null, no Fetch Metadata', headers: [['origin', 'null']] },
  { what: 'no Origin, Sec-Fetch-Site cross-site', headers: [['sec-fetch-site', 'cross-site']] },
  {
    what: 'a sibling subdomain, Sec-Fetch-Site same-site',
    headers: [
      ['origin', SIBLING],
      ['sec-fetch-site', 'same-site'],
    ],
  },
  { what: 'a sibling subdomain, no Fetch Metadata', headers: [['origin', SIBLING]] },
  { what: 'no Origin, Sec-Fetch-Site same-site', headers: [['sec-fetch-site', 'same-site']] },
  { what: 'an Origin of another scheme', headers: [['origin', 'https://portal.test']] },
  { what: 'an Origin of another port', headers: [['origin', 'http://portal.test:8080']] },
  { what: 'an Origin in capitals', headers: [['origin', 'HTTP://PORTAL.TEST']] },
  { what: 'an Origin in mixed case', headers: [['origin', 'http://Portal.Test']] },
  { what: 'an Origin with a trailing slash', headers: [['origin', `${ORIGIN}/`]] },
  { what: 'an Origin with a path', headers: [['origin', `${ORIGIN}/evil`]] },
  { what: 'an Origin with userinfo', headers: [['origin', 'http://evil@portal.test']] },
  {
    what: 'an Origin of a longer host',
    headers: [['origin', `${ORIGIN}.evil.example`]],
  },
  {
    what: 'a Referer of another site and no Origin (an old browser posting a form)',
    headers: [['referer', `${EVIL}/attack`]],
    // With no cookie, nothing is ambient: a route that needs a caller finds none.
    codes: ['csrf_rejected', 'unsupported_media_type', 'unauthenticated'],
    notWithJson: true,
  },
  {
    what: 'Origin of another site, behind an HTTP Basic gate (the browser adds Authorization)',
    headers: [
      ['origin', EVIL],
      ['sec-fetch-site', 'cross-site'],
      ['authorization', BASIC_GATE],
    ],
  },
  {
    what: 'two Origin headers, the foreign first',
    headers: [
      ['origin', EVIL],
      ['origin', ORIGIN],
    ],
  },
  {
    what: 'two Origin headers, the own first',
    headers: [
      ['origin', ORIGIN],
      ['origin', EVIL],
    ],
  },
  {
    what: 'two Sec-Fetch-Site headers',
    headers: [
      ['origin', ORIGIN],
      ['sec-fetch-site', 'same-origin'],
      ['sec-fetch-site', 'cross-site'],
    ],
  },
];

/** How the body goes: as a form sends it (a JSON-looking text), and as JSON (after a preflight). */
const bodyTypes = [
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----x',
  'application/json',
];

/** GETs: what an `<img>`, a `<script>`, an `<iframe>`, a link and a fetch from another site send. */
const getShapes: Shape[] = [
  {
    what: 'a top-level navigation from another site',
    headers: [
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'navigate'],
      ['sec-fetch-dest', 'document'],
      ['sec-fetch-user', '?1'],
    ],
  },
  {
    what: 'an iframe on another site',
    headers: [
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'navigate'],
      ['sec-fetch-dest', 'iframe'],
    ],
  },
  {
    what: 'an <img> on another site',
    headers: [
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'no-cors'],
      ['sec-fetch-dest', 'image'],
    ],
  },
  {
    what: 'a <script> on another site',
    headers: [
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'no-cors'],
      ['sec-fetch-dest', 'script'],
    ],
  },
  {
    what: 'a credentialed fetch from another site',
    headers: [
      ['origin', EVIL],
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'cors'],
      ['sec-fetch-dest', 'empty'],
    ],
  },
  {
    what: 'a navigation from a sibling subdomain',
    headers: [
      ['sec-fetch-site', 'same-site'],
      ['sec-fetch-mode', 'navigate'],
      ['sec-fetch-dest', 'document'],
    ],
  },
  {
    what: 'a fetch from a sibling subdomain',
    headers: [
      ['origin', SIBLING],
      ['sec-fetch-site', 'same-site'],
      ['sec-fetch-mode', 'cors'],
    ],
  },
  {
    what: 'a fetch from a sandboxed frame (Origin null)',
    headers: [
      ['origin', 'null'],
      ['sec-fetch-site', 'cross-site'],
      ['sec-fetch-mode', 'cors'],
    ],
  },
  { what: 'a fetch of an old browser from another site', headers: [['origin', EVIL]] },
  { what: 'an Origin of another scheme', headers: [['origin', 'https://portal.test']] },
  { what: 'an Origin of another port', headers: [['origin', 'http://portal.test:8080']] },
  { what: 'an Origin in capitals', headers: [['origin', 'HTTP://PORTAL.TEST']] },
  { what: 'an Origin with a trailing slash', headers: [['origin', `${ORIGIN}/`]] },
  { what: 'an Origin with a path', headers: [['origin', `${ORIGIN}/evil`]] },
  {
    what: 'two Origin headers',
    headers: [
      ['origin', ORIGIN],
      ['origin', EVIL],
    ],
  },
];

const ownRoutes = (Object.entries(routes) as [RouteName, RouteContract][]).filter(
  ([name]) => !name.startsWith('test.'),
);
const unsafeRoutes = ownRoutes.filter(([, route]) => route.method !== 'get');
const getRoutes = ownRoutes.filter(([, route]) => route.method === 'get');

/**
 * GETs answered to another site by design (ADR 006): those the table does not mark. They must
 * change nothing and stay unreadable to it; the session JWT's own test is below.
 */
const crossSiteReadable = new Set<RouteName>(
  (Object.entries(routes) as [RouteName, RouteContract][])
    .filter(([, route]) => route.method === 'get' && route.crossSite !== 'refused')
    .map(([name]) => name),
);

/**
 * The order the control requests go in: reads first, then writes that take nothing away,
 * then those that change who may do what, end an impersonation or a session.
 */
const lastControls: RouteName[] = [
  'impersonation.leave',
  'team.updateMember',
  'sys.setProfileRole',
  'account.setImpersonationPreference',
  'team.updateSettings',
  'sys.updateOrganizationSettings',
  'sys.updateSettings',
  'sys.updateUser',
  'account.changePassword',
  'profiles.switchTo',
  'auth.signOut',
];
const controlOrder = (names: RouteName[]) => [
  ...names.filter((n) => routes[n].method === 'get'),
  ...names.filter((n) => routes[n].method !== 'get' && !lastControls.includes(n)),
  ...lastControls.filter((n) => names.includes(n)),
];

/** Each route, as the portal sends it, from its own origin: past every guard, as the table says. */
async function controls(w: World, names: RouteName[], findings: Findings) {
  for (const name of controlOrder(names)) {
    const route = routes[name] as RouteContract;
    const input = w.inputs[name] ?? {};
    const persona = controlPersona(name);
    const request: Request = {
      method: route.method.toUpperCase(),
      url: urlOf(route, input),
      // Test mode's clock is a test's own (SPEC §12): moving it names one.
      headers: name.startsWith('test.')
        ? [...SAME_ORIGIN, [TEST_CLOCK_HEADER, 'cross-site']]
        : SAME_ORIGIN,
      cookie: w.cookies[persona],
      ...(input.body !== undefined
        ? { contentType: 'application/json', body: jsonText(input.body) }
        : {}),
    };
    const answer = await send(w.t.app, request);
    const listed = Object.keys(route.responses).map(Number);
    const ok = route.download ? answer.status === 200 : listed.includes(answer.status);
    if (!ok) {
      findings.add(
        name,
        [`the control was answered ${answer.status} ${codeOf(answer) ?? short(answer.text)}`],
        describeProbe(request, persona, 'from the own origin'),
      );
    }
  }
}

function unsafeProbes(w: World, name: RouteName, route: RouteContract): Probe[] {
  const input = w.inputs[name] ?? {};
  const url = urlOf(route, input);
  const method = route.method.toUpperCase();
  const json = input.body !== undefined ? jsonText(input.body) : undefined;
  // With a body: the JSON as each type. Without: nothing, an empty form, a field, an object.
  const bodies: { contentType?: string; body?: string }[] =
    json !== undefined
      ? bodyTypes.map((contentType) => ({ contentType, body: json }))
      : [
          {},
          { contentType: 'text/plain', body: '' },
          { contentType: 'application/x-www-form-urlencoded', body: 'a=1' },
          { contentType: 'multipart/form-data; boundary=----x', body: '------x--\r\n' },
          { contentType: 'application/json', body: '{}' },
        ];
  const probes: Probe[] = [];
  for (const persona of personas) {
    for (const shape of unsafeShapes) {
      for (const body of bodies) {
        if (shape.notWithJson && body.contentType?.startsWith('application/json')) continue;
        const request: Request = {
          method,
          url,
          headers: shape.headers,
          cookie: w.cookies[persona],
          ...body,
        };
        const codes = shape.codes ?? ['csrf_rejected'];
        probes.push({
          persona,
          what: shape.what,
          request,
          judge: (answer) => refusalProblems(answer, codes),
        });
      }
    }
  }
  // The path spelt another way, from another site: the same route refusing it, or no route;
  // never one around the guards of `/api/*`.
  const [pathOnly = url, query] = url.split('?');
  const spelt: [string, string][] = [
    ['with a trailing slash', `${pathOnly}/`],
    ['with a doubled slash', pathOnly.replace(/^\/api\//, '/api//')],
    ['with "/./" inside', pathOnly.replace(/^\/api\//, '/api/./')],
    ['with a letter of "/api" percent-encoded', pathOnly.replace(/^\/api/, '/%61pi')],
    ['with "/api" in capitals', pathOnly.replace(/^\/api/, '/API')],
    ['with ";x=1" after it', `${pathOnly};x=1`],
  ];
  const persona = controlPersona(name);
  for (const [what, variant] of spelt) {
    for (const body of [bodies[0] ?? {}, bodies[bodies.length - 1] ?? {}]) {
      probes.push({
        persona,
        what: `the path ${what}, from another site`,
        request: {
          method,
          url: query ? `${variant}?${query}` : variant,
          headers: unsafeShapes[1]?.headers ?? [],
          cookie: w.cookies[persona],
          ...body,
        },
        judge: (answer) => refusalProblems(answer),
      });
    }
  }
  return probes;
}

function getProbes(w: World, name: RouteName, route: RouteContract): Probe[] {
  const url = urlOf(route, w.inputs[name] ?? {});
  const probes: Probe[] = [];
  for (const persona of personas) {
    const cookie = w.cookies[persona];
    const shapes = crossSiteReadable.has(name)
      ? [
          ...getShapes,
          // Neither header: what ADR 006 takes for an API client, and an old browser's link.
          { what: 'a Referer of another site and no Origin', headers: [['referer', EVIL]] },
        ]
      : getShapes;
    for (const shape of shapes) {
      const request: Request = {
        method: 'GET',
        url,
        headers: shape.headers as [string, string][],
        cookie,
      };
      probes.push({
        persona,
        what: shape.what,
        request,
        judge: crossSiteReadable.has(name)
          ? (answer) => harmlessProblems(answer, cookie)
          : (answer) => refusalProblems(answer, ['csrf_rejected']),
      });
    }
  }
  return probes;
}

describe('a page on another site, with a signed-in victim’s cookie', () => {
  // Thousands of requests: seconds alone, many times that beside the rest of the suite.
  it('no unsafe route of the table does anything for it, in any shape, whoever is signed in', {
    timeout: 120_000,
  }, async () => {
    const w = await world();
    const findings = new Findings();
    let sent = 0;
    for (const [name, route] of unsafeRoutes) {
      const probes = unsafeProbes(w, name, route);
      sent += probes.length;
      await runBatch(w, name, probes, findings);
    }
    // Every unsafe route (the table's, test mode's below), each person, shape and body.
    const perPerson = unsafeShapes.reduce((n, shape) => n + (shape.notWithJson ? 4 : 5), 0);
    expect([unsafeRoutes.length, sent]).toEqual([28, 28 * (personas.length * perPerson + 12)]);
    await controls(
      w,
      unsafeRoutes.map(([name]) => name),
      findings,
    );
    expect(findings.list()).toEqual([]);
  });

  // Thousands of requests: seconds alone, many times that beside the rest of the suite.
  it('the GETs that act refuse it; the other reads change nothing and cannot be read by it', {
    timeout: 120_000,
  }, async () => {
    const w = await world();
    const findings = new Findings();
    let sent = 0;
    for (const [name, route] of getRoutes) {
      const probes = getProbes(w, name, route);
      sent += probes.length;
      await runBatch(w, name, probes, findings);
    }
    // Every GET, each person and shape (and the Referer alone on the reads answered).
    const readable = getRoutes.filter(([name]) => crossSiteReadable.has(name)).length;
    expect([getRoutes.length, sent]).toEqual([
      32,
      personas.length * (32 * getShapes.length + readable),
    ]);
    await controls(
      w,
      getRoutes.map(([name]) => name),
      findings,
    );
    expect(findings.list()).toEqual([]);
  });
});

describe('the session JWT (GET /api/public/auth/token)', () => {
  // routes.ts: `crossSite: 'refused'` is "declared on the GETs that hand out a credential", and
  // `afterImpersonationEnds` already counts this one among "the reads that hand out a credential
  // (a JWT, a hand-off token)"; middleware/cross-site.ts: "those that mint credentials".
  it('is a credential, and another site does not get one minted', async () => {
    const w = await world();
    const findings = new Findings();
    const route = routes['auth.jwt'];
    for (const persona of ['owner', 'impersonating'] as const) {
      for (const shape of getShapes) {
        const request: Request = {
          method: 'GET',
          url: route.path,
          headers: shape.headers,
          cookie: w.cookies[persona],
        };
        const answer = await send(w.t.app, request);
        findings.add(
          'auth.jwt',
          refusalProblems(answer, ['csrf_rejected']),
          describeProbe(request, persona, shape.what),
        );
      }
    }
    await controls(w, ['auth.jwt'], findings);
    expect(findings.list()).toEqual([]);
  });
});

describe('behind an HTTP Basic gate (a staging site, an intranet proxy)', () => {
  // ADR 006 layer 2 (Hono's csrf(), app.ts) is what refuses a cookie POST that carries neither
  // Origin nor Sec-Fetch-Site and no body, which layer 3 lets through as an API client's. It is
  // skipped whenever an Authorization header is present, on the ground that "a cross-site page
  // cannot add an Authorization header". A browser behind a Basic gate adds one to every
  // request to the gated origin by itself, a form's post from another site included (as
  // session-cookie.ts says of its fetches): the header is no sign that code built the request.
  it('a bodiless cookie POST with neither Origin nor Sec-Fetch-Site is refused as it is without the gate', async () => {
    const w = await world();
    const findings = new Findings();
    const fromAnOldBrowser: [string, string][] = [['referer', `${EVIL}/attack`]];
    for (const name of ['auth.signOut', 'impersonation.leave'] as const) {
      const persona = name === 'auth.signOut' ? 'owner' : 'impersonating';
      for (const gated of [false, true]) {
        const request: Request = {
          method: 'POST',
          url: routes[name].path,
          headers: gated ? [...fromAnOldBrowser, ['authorization', BASIC_GATE]] : fromAnOldBrowser,
          cookie: w.cookies[persona],
          contentType: 'application/x-www-form-urlencoded',
          body: '',
        };
        const before = await snapshot(w.t, true);
        const answer = await send(w.t.app, request);
        const changed = await changes(w.t, before, await snapshot(w.t, true), false);
        const what = `a form posted from another site${gated ? ', behind the gate' : ''}`;
        findings.add(
          name,
          [
            ...refusalProblems(answer, ['csrf_rejected']),
            ...(changed.length > 0 ? [`changed ${changed.join('; ')}`] : []),
          ],
          describeProbe(request, persona, what),
        );
      }
    }
    expect(findings.list()).toEqual([]);
  });
});

describe('other methods, and CORS', () => {
  // Thousands of requests: seconds alone, many times that beside the rest of the suite.
  it('no path of the table grants a preflight or answers another method from another site; nothing is done', {
    timeout: 120_000,
  }, async () => {
    const w = await world();
    const findings = new Findings();
    const byPath = new Map<string, { name: RouteName; methods: Set<string> }>();
    for (const [name, route] of ownRoutes) {
      const entry = byPath.get(route.path) ?? { name, methods: new Set<string>() };
      entry.methods.add(route.method.toUpperCase());
      byPath.set(route.path, entry);
    }
    const headAnswered = new Set(['health.live', 'health.ready', 'auth.jwks']);
    for (const [routePath, { name, methods }] of byPath) {
      const url = urlOf(routes[name] as RouteContract, w.inputs[name] ?? {}).split('?')[0] ?? '';
      const probes: Probe[] = [];
      for (const method of methods) {
        // A preflight carries no cookie; the answer must grant nothing.
        probes.push({
          persona: 'signedOut',
          what: `a preflight for ${method}`,
          request: {
            method: 'OPTIONS',
            url,
            headers: [
              ['origin', EVIL],
              ['sec-fetch-site', 'cross-site'],
              ['sec-fetch-mode', 'cors'],
              ['access-control-request-method', method],
              ['access-control-request-headers', 'content-type, authorization'],
            ],
            cookie: null,
          },
          judge: (answer) => [
            ...corsGrants(answer),
            ...(answer.status >= 200 && answer.status < 300
              ? [`answered a preflight ${answer.status}`]
              : []),
            ...(answer.status >= 500 ? [`answered ${answer.status}`] : []),
          ],
        });
      }
      const others = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(
        (m) => !methods.has(m) && !(m === 'HEAD' && methods.has('GET')),
      );
      for (const persona of ['owner', 'superadmin', 'impersonating'] as const) {
        const cookie = w.cookies[persona];
        // A HEAD, as a link checker or an `<img>` of another site sends it.
        if (methods.has('GET')) {
          probes.push({
            persona,
            what: 'a HEAD from another site',
            request: {
              method: 'HEAD',
              url,
              headers: [
                ['sec-fetch-site', 'cross-site'],
                ['sec-fetch-mode', 'no-cors'],
                ['sec-fetch-dest', 'image'],
              ],
              cookie,
            },
            judge: (answer) =>
              headAnswered.has(name) ? harmlessProblems(answer, cookie) : refusalProblems(answer),
          });
        }
        for (const method of others) {
          probes.push({
            persona,
            what: `${method} from another site, with ?_method=${[...methods][0]}`,
            request: {
              method,
              url: `${url}?_method=${[...methods][0]}`,
              headers:
                method === 'GET'
                  ? [
                      ['sec-fetch-site', 'cross-site'],
                      ['sec-fetch-mode', 'navigate'],
                      ['sec-fetch-dest', 'document'],
                    ]
                  : [
                      ['origin', EVIL],
                      ['sec-fetch-site', 'cross-site'],
                      ['x-http-method-override', [...methods][0] ?? 'POST'],
                    ],
              cookie,
              ...(method === 'GET' || method === 'HEAD'
                ? {}
                : { contentType: 'text/plain', body: '{}' }),
            },
            judge: (answer) => refusalProblems(answer),
          });
        }
      }
      await runBatch(w, routePath, probes, findings);
    }
    expect(findings.list()).toEqual([]);
  });
});

describe('login CSRF through the portal’s pages', () => {
  it('a link or token page another site navigates to only shows the page: nothing redeemed, no cookie, not framable', async () => {
    const w = await world();
    const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-portal-'));
    afterThisFile(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>portal</title>');
    const portal = createApp(w.t.deps, { portalDir: dir });
    const { loginToken: token, userId, hash } = w.attacker;
    const pages = [
      `/login?token=${encodeURIComponent(token)}`,
      `/one-click/${userId}/${hash}`,
      '/one-click',
      '/sign-in',
      '/select-profile',
    ];
    const navigations = getShapes.slice(0, 2);
    const before = await snapshot(w.t, true);
    const findings = new Findings();
    for (const persona of ['signedOut', 'owner', 'impersonating'] as const) {
      const cookie = w.cookies[persona];
      for (const page of pages) {
        for (const shape of navigations) {
          const request: Request = { method: 'GET', url: page, headers: shape.headers, cookie };
          const answer = await send(portal, request);
          const csp = answer.headers.get('content-security-policy') ?? '';
          const problems = harmlessProblems(answer, cookie);
          if (answer.status !== 200 || !answer.text.startsWith('<!doctype html>')) {
            problems.push(`answered ${answer.status} ${short(answer.text)}`);
          }
          if (!csp.includes("frame-ancestors 'none'")) problems.push(`framable: ${csp}`);
          if (answer.headers.get('x-frame-options') !== 'DENY') problems.push('no X-Frame-Options');
          if (answer.headers.get('referrer-policy') !== 'no-referrer') {
            problems.push('the secret in the address may leave in a Referer');
          }
          if (answer.headers.getSetCookie().length > 0) {
            problems.push(`set ${answer.headers.getSetCookie().join(', ')}`);
          }
          findings.add(page, problems, describeProbe(request, persona, shape.what));
        }
        // A form another site posts to the page itself: the portal redeems nothing on a page.
        for (const contentType of ['application/x-www-form-urlencoded', 'text/plain']) {
          const request: Request = {
            method: 'POST',
            url: page,
            headers: unsafeShapes[0]?.headers ?? [],
            cookie,
            contentType,
            body: `token=${token}`,
          };
          const answer = await send(portal, request);
          findings.add(page, refusalProblems(answer), describeProbe(request, persona, 'a form'));
        }
      }
    }
    const after = await snapshot(w.t, true);
    expect(await changes(w.t, before, after, false)).toEqual([]);
    expect(findings.list()).toEqual([]);
    // The link and the token still work, from the portal's own Continue.
    await controls(w, ['links.redeemLoginToken', 'links.redeemOneClick'], findings);
    expect(findings.list()).toEqual([]);
  });
});

/** A Set-Cookie's name and its attributes, names in lower case: `samesite=Lax`, `httponly`. */
function cookieParts(set: string) {
  const [pair = '', ...attributes] = set.split(';').map((part) => part.trim());
  const name = pair.slice(0, pair.indexOf('='));
  const value = pair.slice(pair.indexOf('=') + 1);
  return {
    name,
    value,
    attributes: attributes.map((a) => {
      const at = a.indexOf('=');
      return at === -1 ? a.toLowerCase() : `${a.slice(0, at).toLowerCase()}=${a.slice(at + 1)}`;
    }),
  };
}

describe('the cookies in production (NODE_ENV=production)', () => {
  it('the session and impersonation cookies are __Host-, HttpOnly, Secure, SameSite=Lax, Path=/, with no Domain', async () => {
    const t = await createTestApp({ env: { NODE_ENV: 'production' } });
    const signIn = await t.call('POST', '/api/public/auth/sign-in', {
      headers: Object.fromEntries(SAME_ORIGIN),
      body: { email: 'admin@acme.test', password: DEMO_PASSWORD },
    });
    expect(signIn.status).toBe(200);
    const session = signIn.headers
      .getSetCookie()
      .map(cookieParts)
      .find((c) => c.name.endsWith('ob_session') && c.value !== '');
    expect(session?.name).toBe('__Host-ob_session');
    const expected = (attributes: string[]) => {
      expect(attributes).toEqual(
        expect.arrayContaining(['httponly', 'secure', 'samesite=Lax', 'path=/']),
      );
      expect(attributes.filter((a) => a.startsWith('domain'))).toEqual([]);
      expect(Number(attributes.find((a) => a.startsWith('max-age='))?.slice(8))).toBeGreaterThan(0);
    };
    expected(session?.attributes ?? []);
    const cookie = `__Host-ob_session=${session?.value}`;
    const buyer = demoIds(t).profileId('buyer@acme.test');
    const handoff = await t.call('GET', `/api/public/coworkers/${buyer}/impersonate`, {
      cookie,
      headers: Object.fromEntries(SAME_ORIGIN),
    });
    expect(handoff.status).toBe(200);
    const { token } = handoff.json as { token: string };
    const exchange = await t.call('POST', `/api/public/auth/login/${token}`, {
      cookie,
      headers: Object.fromEntries(SAME_ORIGIN),
    });
    expect(exchange.status).toBe(200);
    const impersonation = exchange.headers
      .getSetCookie()
      .map(cookieParts)
      .find((c) => c.name.endsWith('ob_impersonation') && c.value !== '');
    expect(impersonation?.name).toBe('__Host-ob_impersonation');
    expected(impersonation?.attributes ?? []);
  });

  it('a cookie without the prefix (one a sibling subdomain can set) signs no one in, and another site is refused', async () => {
    const t = await createTestApp({ env: { NODE_ENV: 'production' } });
    const victim = await t.signIn('owner@acme.test');
    const attacker = await t.signIn('buyer@acme.test');
    // Cookie tossing: a sibling subdomain sets `ob_session` for the parent domain.
    const tossed = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${attacker.token}`,
      headers: Object.fromEntries(SAME_ORIGIN),
    });
    expect([tossed.status, tossed.error?.code]).toEqual([401, 'unauthenticated']);
    const both = await t.call('GET', '/api/public/auth/session', {
      cookie: `ob_session=${attacker.token}; __Host-ob_session=${victim.token}`,
      headers: Object.fromEntries(SAME_ORIGIN),
    });
    expect((both.json as { session?: { user?: { email?: string } } }).session?.user?.email).toBe(
      'owner@acme.test',
    );
    // The victim's real cookie, sent by a page on another site.
    const cookie = `__Host-ob_session=${victim.token}`;
    for (const shape of unsafeShapes.filter((s) => !s.codes)) {
      for (const contentType of ['text/plain', 'application/json']) {
        const answer = await send(t.app, {
          method: 'POST',
          url: '/api/public/orders',
          headers: shape.headers,
          cookie,
          contentType,
          body: jsonText({ sku: 'PAPER-A4', quantity: 1 }),
        });
        expect([shape.what, contentType, ...refusalProblems(answer, ['csrf_rejected'])]).toEqual([
          shape.what,
          contentType,
        ]);
      }
    }
    const alive = await t.call('GET', '/api/public/auth/session', { cookie });
    expect(alive.status).toBe(200);
  });
});

describe('test mode (ONBEHALF_TEST_MODE=1)', () => {
  it('its writes refuse another site too; its reads are recorded as the system’s only', async () => {
    const w = await world({ env: { ONBEHALF_TEST_MODE: '1' } });
    const findings = new Findings();
    const testRoutes = (Object.entries(routes) as [RouteName, RouteContract][]).filter(([name]) =>
      name.startsWith('test.'),
    );
    for (const [name, route] of testRoutes) {
      if (route.method === 'get') {
        await runBatch(w, name, getProbes(w, name, route), findings, true);
      } else {
        await runBatch(w, name, unsafeProbes(w, name, route), findings);
      }
    }
    await controls(
      w,
      testRoutes.map(([name]) => name),
      findings,
    );
    expect(findings.list()).toEqual([]);
  });
});
