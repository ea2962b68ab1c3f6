import { type AddressInfo, isIPv4, isIPv6 } from 'node:net';
import { type RouteContract, type RouteName, routes } from '@onbehalf/contracts/routes';
import {
  TEST_CLOCK_HEADER,
  TEST_CLOCK_MAX_LENGTH,
  TEST_KEY_HEADER,
} from '@onbehalf/contracts/test-mode';
import { describe, it } from 'vitest';
import type { z } from 'zod';
import { createHttpServer } from '../http/listener.ts';
import { createLogger } from '../lib/logger.ts';
import { DEMO_PASSWORD } from '../store/demo.ts';
import { rowsOf } from '../store/test-rows.ts';
import {
  type Answer,
  answerOf,
  badBySchema,
  callers,
  type ErrorJson,
  type Expect,
  errorLines,
  guardCodes,
  type Input,
  judged,
  MB,
  oddInputs,
  pathOf,
  probesOf,
  rawExchange,
  requestOf,
  type Snapshot,
  secret,
  send,
  shorten,
  snapshot,
  starts,
  table,
} from '../test/bad-input-probes.ts';
import { createTestApp, demoIds, ORIGIN, type TestApp } from '../test/harness.ts';

/**
 * SPEC §8, §8b: bad input gets a clear 4xx with a stable code from the catalogue and changes
 * nothing; never a 500, never a crash, nothing logged at warn or error. `bad-input.test.ts` holds
 * every route to that as an ordinary caller with the rate limits off. This file holds the three
 * surfaces it does not reach:
 *
 * 1. **The rate limits on** (lib/rate-limit.ts, ADR 016 and 044). The limiters key on what the
 *    request brings: the email of a sign-in or of "email me a link", the client's address
 *    (`X-Forwarded-For` behind `TRUST_PROXY` proxies, IPv6 per /64, `RATE_LIMIT_ALLOWLIST`), a
 *    session or a credential. Each is sent odd: emails at the schema's length, ill-formed,
 *    in odd Unicode, case and spacing; forwarded addresses huge, malformed, of many hops, with
 *    zone ids, ports, brackets, mapped IPv4; tokens of odd shapes on every redemption route.
 *    Every answer is a 4xx of the catalogue (429 with `Retry-After` included) or, for input that
 *    is fine, a 2xx; an address the request names is recorded as an address or not at all; and
 *    a budget spent by junk is that key's only: a real person elsewhere signs in.
 * 2. **A caller acting for someone else**: a team admin's impersonation through the team door
 *    and an operator's through the operator door. Every route is probed as each, with the probes
 *    of `bad-input.test.ts` (`test/bad-input-probes.ts`): a 4xx of the catalogue (a route may refuse acting
 *    callers outright), no 500, and nothing changed but the record of a refused attempt.
 * 3. **Test mode's key** (`ONBEHALF_TEST_MODE_KEY`): `/api/test/*` with the key missing, empty,
 *    huge, not ASCII, repeated or wrong, and odd test clock headers: a 4xx of the catalogue and
 *    nothing made; with the right key, odd clock names are taken or refused, never a 500.
 *
 * Deterministic: no randomness, no sleeps; the app's time is the harness's manual clock. The
 * limiters' own windows run on the wall clock (rate-limiter-flexible's): a slow-down is asserted
 * as "one of the next few attempts waits", which the doubling waits (1 s, 2 s, 4 s, …) make hold
 * however slow the machine.
 */

// ---- probes sent as they are, headers and all ---------------------------------------------------

/** A request of this file: its headers in order, so that a name may be sent twice. */
interface Sent {
  what: string;
  method: string;
  path: string;
  body?: string;
  headers?: [string, string][];
  expect: Expect;
  codes?: readonly string[];
}

const forwarded = (value: string): [string, string] => ['x-forwarded-for', value];

/** A route's valid input as a request of this file, sent with `headers`. */
function sentOf(
  what: string,
  name: RouteName,
  input: Input,
  expect: Expect,
  headers: [string, string][] = [],
  codes?: readonly string[],
): Sent {
  const request = requestOf(routes[name] as RouteContract, input);
  return {
    what,
    method: request.method,
    path: `${request.path}${request.query ? `?${request.query}` : ''}`,
    ...(request.body !== undefined ? { body: request.body } : {}),
    headers: [...Object.entries(request.headers ?? {}), ...headers],
    expect,
    ...(codes ? { codes } : {}),
  };
}

async function sendAsIs(t: TestApp, probe: Sent): Promise<{ answer: Answer; retryAfter: string }> {
  const headers = new Headers();
  for (const [name, value] of probe.headers ?? []) headers.append(name, value);
  if (probe.body !== undefined)
    headers.set('content-length', String(Buffer.byteLength(probe.body)));
  try {
    const response = await t.app.request(`${ORIGIN}${probe.path}`, {
      method: probe.method,
      headers,
      ...(probe.body !== undefined ? { body: probe.body } : {}),
    });
    const retryAfter = response.headers.get('retry-after') ?? '';
    return { answer: answerOf(response.status, await response.text()), retryAfter };
  } catch (error) {
    const threw = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { answer: { threw }, retryAfter: '' };
  }
}

/**
 * An address as the server writes one (http/forwarded-address.ts): IPv4 dotted, IPv6 in its one
 * compressed lower-case form, never IPv4 mapped into IPv6. Anything else in an `ip` column is
 * text a client wrote that was taken for an address.
 */
function isWrittenAddress(ip: string): boolean {
  if (isIPv4(ip)) return true;
  if (!isIPv6(ip) || /^::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(ip)) return false;
  return new URL(`http://[${ip}]/`).hostname === `[${ip}]`;
}

const shownIp = (ip: string | null) =>
  ip === null ? 'null' : JSON.stringify(ip.length > 40 ? `${ip.slice(0, 40)}…` : ip);

/** The addresses the audit events after the `from`-th recorded that are not addresses. */
async function oddAddressesSince(t: TestApp, from: number): Promise<string[]> {
  const events = (await rowsOf(t.ts, 'auditEvents')).slice(from);
  return events
    .filter((e) => e.ip !== null && !isWrittenAddress(e.ip))
    .map((e) => `recorded ${e.type} with the address ${shownIp(e.ip)}`);
}

/**
 * Sends probes one after another on one app, each judged as `bad-input.test.ts` judges (a 4xx
 * of the catalogue, or an answer where the probe allows one; nothing changed but the record of
 * a refused attempt; nothing logged at warn or error), and more: a 429 says when to come back,
 * and every address recorded is an address.
 */
function prober(t: TestApp, raw: string[], label: string) {
  const failures: string[] = [];
  let before: Snapshot | undefined;
  return {
    failures,
    async send(probe: Sent): Promise<Answer> {
      before ??= await snapshot(t, true);
      const logged = raw.length;
      const { answer, retryAfter } = await sendAsIs(t, probe);
      const after = await snapshot(t, true);
      const problems = [
        ...(await judged(t, probe, answer, before, after)),
        ...errorLines(raw.slice(logged)),
        ...(await oddAddressesSince(t, before.events)),
      ];
      if ('status' in answer && answer.status === 429 && !/^[1-9]\d*$/.test(retryAfter)) {
        problems.push(`429 with Retry-After ${JSON.stringify(retryAfter)}`);
      }
      if (problems.length > 0) {
        failures.push(
          `${label}: ${probe.method} ${shorten(probe.path)} [${probe.what}] → ${problems.join('; ')}`,
        );
      }
      before = after;
      return answer;
    },
    /** What was changed on purpose (a sign-in, a link made) is not a probe's doing. */
    async resync() {
      before = await snapshot(t, true);
    },
  };
}

const statusOf = (answer: Answer) => ('status' in answer ? answer.status : 0);
const codeOf = (answer: Answer) =>
  'json' in answer ? (answer.json as ErrorJson)?.error?.code : undefined;

/** An app whose warn and error lines are read: `raw`. */
async function loggedApp(options: { rateLimits: boolean; env?: Record<string, string> }) {
  const raw: string[] = [];
  const logger = createLogger('warn', { write: (line: string) => void raw.push(line) });
  const t = await createTestApp({ rateLimits: options.rateLimits, logger, env: options.env ?? {} });
  return { t, raw };
}

const WRONG_PASSWORD = 'not-the-password-at-all';
const ALLOWLIST = '203.0.113.0/24,2001:db8:a110::/48';

// ---- 1. the rate limits on ----------------------------------------------------------------------

/**
 * Entries of `X-Forwarded-For` as proxies and clients write them, and the address each must be
 * read as (ADR 016: one form per address, no port, no brackets; an entry that is no address is
 * the proxy's own, which in-process is none: null). `undefined`: an address or none, either is
 * right.
 */
const forwardedEntries: [string, string, string | null | undefined][] = [
  ['IPv4', '198.51.100.1', '198.51.100.1'],
  ['IPv4 and a port', '198.51.100.2:51234', '198.51.100.2'],
  ['IPv4 and port 0', '198.51.100.3:0', '198.51.100.3'],
  ['IPv4 and a port past 65535', '198.51.100.4:99999', undefined],
  ['IPv6 in capitals, written out', '2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
  ['IPv6 in brackets with a port', '[2001:db8::2]:443', '2001:db8::2'],
  ['IPv6 in brackets', '[2001:db8::3]', '2001:db8::3'],
  ['IPv4 mapped into IPv6', '::ffff:198.51.100.5', '198.51.100.5'],
  ['IPv4 mapped into IPv6, in hex', '::FFFF:C633:6406', '198.51.100.6'],
  ['IPv4 mapped, in brackets with a port', '[::ffff:198.51.100.7]:8080', '198.51.100.7'],
  ['IPv4 behind NAT64', '64:ff9b::198.51.100.8', undefined],
  ['IPv4-compatible IPv6', '::198.51.100.9', undefined],
  ['IPv4 mapped with a zero group', '::ffff:0:198.51.100.10', undefined],
  ['the unspecified IPv6 address', '::', '::'],
  ['0.0.0.0', '0.0.0.0', '0.0.0.0'],
  ['an allowlisted IPv4 address', '203.0.113.7', '203.0.113.7'],
  [
    'an allowlisted IPv6 address in brackets with a port',
    '[2001:db8:a110::9]:1',
    '2001:db8:a110::9',
  ],
  ['an IPv6 zone id', 'fe80::1%eth0', null],
  ['an encoded zone id', 'fe80::1%25eth0', null],
  ['a zone id in brackets with a port', '[fe80::1%eth0]:80', null],
  ['an empty zone id', '::1%', null],
  ['"unknown"', 'unknown', null],
  ['an obfuscated identifier', '_hidden', null],
  ['a host name', 'proxy.example', null],
  ['an unclosed bracket', '[2001:db8::4', null],
  ['a bracket never opened', '2001:db8::5]', null],
  ['empty brackets', '[]', null],
  ['empty brackets and a port', '[]:80', null],
  ['a port alone', ':80', null],
  ['IPv4 and an empty port', '198.51.100.11:', null],
  ['IPv6 in brackets, a port of six digits', '[2001:db8::6]:123456', null],
  ['an octet past 255', '256.1.1.1', null],
  ['three octets', '198.51.100', null],
  ['zero-padded octets', '010.001.002.003', null],
  ['hex octets', '0x7f.0.0.1', null],
  ['a trailing dot', '198.51.100.12.', null],
  ['a CIDR', '2001:db8::/64', null],
  ['a group that is not hex', '2001:db8::g', null],
  ['nine groups', '1:2:3:4:5:6:7:8:9', null],
  ['two "::"', '2001::db8::1', null],
  ['an IPvFuture literal', '[v1.fe80::a+en1]', null],
  ['RFC 7239 syntax', 'for=198.51.100.13;proto=https', null],
  ['a quoted address', '"198.51.100.14"', null],
  ['two addresses and a space', '198.51.100.15 198.51.100.16', null],
  ['a tab inside', '198.51.100.17\t1', null],
  ['latin-1 letters', 'ÿþ198.51.100.18', null],
  ['a URL', 'http://198.51.100.19/', null],
  ['a name after bracketed IPv6', '[::1]@attacker.example', null],
  ['userinfo smuggled inside brackets', '::1]@attacker.example/[', null],
  ['an address smuggled inside brackets', '::]@x198.51.100.20y/[', null],
  ['a long name smuggled inside brackets', `::]@${'a.'.repeat(5000)}b/[`, null],
  ['1 MB of letters', 'x'.repeat(MB), null],
  ['1 MB of digits', '1'.repeat(MB), null],
  ['64 KB of colons', ':'.repeat(64 * 1024), null],
];

/** Whole headers: no entry at all, or so many that only the last ones are read. */
const forwardedHeaders: [string, string, string | null | undefined][] = [
  ['an empty header', '', null],
  ['only commas', ',,,,', null],
  ['commas and spaces', ' , , ', null],
  ['1 MB of commas', ','.repeat(MB), null],
  [
    '10,000 hops',
    Array.from({ length: 10_000 }, (_, i) => `198.51.${(i >> 8) & 255}.${i & 255}`).join(', '),
    undefined,
  ],
  ['10,000 empty hops', `${', '.repeat(10_000)}198.51.100.21`, undefined],
];

describe('with the rate limits on, odd keys get a 4xx of the catalogue or an answer, never a 500 (SPEC §8b, ADR 016)', () => {
  for (const trust of ['1', '2'] as const) {
    it.concurrent(`TRUST_PROXY=${trust}: every forwarded address is read as an address or as the proxy's own, on every limited route`, async ({
      expect,
    }) => {
      const { t, raw } = await loggedApp({
        rateLimits: true,
        env: { TRUST_PROXY: trust, RATE_LIMIT_ALLOWLIST: ALLOWLIST },
      });
      const ids = demoIds(t);
      const buyer = ids.userId('buyer@acme.test');
      // A reusable guest token: each use opens a session, counted per token and address.
      const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
      const { token: guest } = (await ops.loginTokens.create({
        subject: { type: 'anonymous' },
        expiresAt: new Date(t.clock.now() + 7 * 86_400_000).toISOString(),
        oneTimeUse: false,
      })) as { token: string };
      const probe = prober(t, raw, `TRUST_PROXY=${trust}`);
      // Behind two proxies, the second wrote the last entry: the first's is the one read.
      const written = (value: string) => (trust === '2' ? `${value}, 192.0.2.250` : value);
      const cases = [
        ...forwardedEntries.map(([what, value, ip]) => [what, written(value), ip] as const),
        ...forwardedHeaders.map(([what, value, ip]) => [what, written(value), ip] as const),
        ...(trust === '2'
          ? ([['one hop where two are trusted', '198.51.100.22', null]] as const)
          : []),
      ];
      for (const [i, [what, value, ip]] of cases.entries()) {
        const header = [forwarded(value)];
        const email = `forwarded-${i}@nowhere.test`;
        // Each on a minute of its own, so that the trail writes each failure in full.
        t.clock.advance(60_000);
        const events = (await rowsOf(t.ts, 'auditEvents')).length;
        await probe.send(
          sentOf(
            `${what}: a sign-in`,
            'auth.signIn',
            { body: { email, password: WRONG_PASSWORD } },
            'nameless',
            header,
            ['invalid_credentials', 'rate_limited'],
          ),
        );
        if (ip !== undefined) {
          const failed = (await rowsOf(t.ts, 'auditEvents'))
            .slice(events)
            .find((e) => e.type === 'auth.sign_in.failed');
          if (failed && failed.ip !== ip) {
            probe.failures.push(
              `X-Forwarded-For ${shownIp(value)} [${what}] read as ${shownIp(failed.ip)}, not ${shownIp(ip)}`,
            );
          }
        }
        await probe.send(
          sentOf(
            `${what}: a link previewed`,
            'links.previewOneClick',
            { body: { userId: buyer, hash: secret } },
            'answered',
            header,
          ),
        );
        await probe.send(
          sentOf(
            `${what}: a login token redeemed`,
            'links.redeemLoginToken',
            // An id no token has (the guest token's is 1).
            { body: { token: `999999.${secret}` } },
            'nameless',
            header,
            ['link_invalid', 'rate_limited'],
          ),
        );
        await probe.send(
          sentOf(
            `${what}: a guest token redeemed`,
            'links.redeemLoginToken',
            { body: { token: guest } },
            'answered',
            header,
          ),
        );
        await probe.send(
          sentOf(
            `${what}: a link asked for`,
            'links.requestEmailLink',
            { body: { email } },
            'answered',
            header,
          ),
        );
      }
      // Whatever the junk spent, it was its own keys': people elsewhere sign in.
      for (const address of ['192.0.2.10', '203.0.113.9', '2001:db8:77::1']) {
        const res = await t.call('POST', '/api/public/auth/sign-in', {
          body: { email: 'buyer@acme.test', password: DEMO_PASSWORD },
          headers: { 'x-forwarded-for': written(address) },
        });
        expect([address, res.status]).toEqual([address, 200]);
      }
      expect(probe.failures).toEqual([]);
    }, 60_000);
  }

  it.concurrent('TRUST_PROXY=0: forwarded addresses are not believed, and the warning that they are sent is said once', async ({
    expect,
  }) => {
    const { t, raw } = await loggedApp({ rateLimits: true });
    const forwardedWarning = /X-Forwarded-For but TRUST_PROXY=0/;
    // The log is read below, where its one line is allowed: the prober is given none of it.
    const probe = prober(t, [], 'TRUST_PROXY=0');
    for (const [i, [what, value]] of forwardedEntries.slice(0, 30).entries()) {
      t.clock.advance(60_000);
      await probe.send(
        sentOf(
          `${what}: a sign-in`,
          'auth.signIn',
          { body: { email: `unproxied-${i}@nowhere.test`, password: WRONG_PASSWORD } },
          'nameless',
          [forwarded(value)],
          ['invalid_credentials', 'rate_limited'],
        ),
      );
    }
    // No proxy is trusted: in-process there is no socket, so no address at all.
    const ips = (await rowsOf(t.ts, 'auditEvents'))
      .filter((e) => e.type === 'auth.sign_in.failed')
      .map((e) => e.ip);
    expect(ips.length).toBeGreaterThan(0);
    expect(new Set(ips)).toEqual(new Set([null]));
    // A configuration warning (ADR 016), not the input's fault: once, whatever clients send.
    const warned = errorLines(raw);
    expect(warned).toHaveLength(1);
    expect(raw.filter((l) => forwardedWarning.test(l))).toHaveLength(1);
    expect(probe.failures).toEqual([]);
  }, 60_000);

  /** Emails at the schema's edges and past them, in odd Unicode; a wrong password each time. */
  const emails: [string, string][] = [
    ['254 characters', `${'x'.repeat(64)}@${'a'.repeat(184)}.test`],
    ['255 characters', `${'x'.repeat(64)}@${'a'.repeat(185)}.test`],
    ['254 dotted capital Is (508 once lower-cased)', '\u0130'.repeat(254)],
    ['127 emoji (254 UTF-16 units)', '\u{1F600}'.repeat(127)],
    ['254 three-byte letters', '\u20ac'.repeat(254)],
    ['a lone surrogate', '\ud800@acme.test'],
    ['a lone low surrogate inside', 'buy\udc00er@acme.test'],
    ['a NUL at the end', 'buyer@acme.test\u0000'],
    ['a NUL inside', 'buyer\u0000@acme.test'],
    ['a right-to-left override', 'buyer@acme.test\u202e'],
    ['a zero-width space inside', 'buy\u200ber@acme.test'],
    ['a byte-order mark first', '\ufeffbuyer@acme.test'],
    ['no-break spaces around', '\u00a0buyer@acme.test\u00a0'],
    ['ideographic spaces around', '\u3000buyer@acme.test\u3000'],
    ['tabs and newlines around', '\t\nbuyer@acme.test\r\n'],
    ['only spaces', '     '],
    ['empty', ''],
    ['in capitals', 'BUYER@ACME.TEST'],
    ['in mixed case', 'bUyEr@AcMe.TeSt'],
    ['full-width letters', 'ｂｕｙｅｒ＠ａｃｍｅ．ｔｅｓｔ'],
    ['a combining accent', 'buye\u0301r@acme.test'],
    ['a Kelvin sign (lower-cases to k)', '\u212Aate@acme.test'],
    ['the separator of a pair key', 'buyer@acme.test|198.51.100.1'],
    ['a LIKE pattern', '%@acme.test'],
    ['SQL', "buyer@acme.test' OR '1'='1"],
  ];

  it.concurrent('sign-in and "email me a link" with odd emails: 400 or the usual answer, and one address however spelt', async ({
    expect,
  }) => {
    const { t, raw } = await loggedApp({ rateLimits: true, env: { TRUST_PROXY: '1' } });
    const ids = demoIds(t);
    const probe = prober(t, raw, 'emails');
    const signInBody = (routes['auth.signIn'] as RouteContract).body as z.ZodType;
    const linkBody = (routes['links.requestEmailLink'] as RouteContract).body as z.ZodType;
    for (const [i, [what, email]] of emails.entries()) {
      // Each from an address of its own: what is probed is the email's key, not the address's.
      const header = [forwarded(`198.51.100.${i + 1}`)];
      const signIn = { email, password: WRONG_PASSWORD };
      await probe.send(
        sentOf(
          `a sign-in, ${what}`,
          'auth.signIn',
          { body: signIn },
          badBySchema(signInBody, signIn) ? 'refused' : 'nameless',
          header,
          badBySchema(signInBody, signIn) ? ['validation_failed'] : ['invalid_credentials'],
        ),
      );
      await probe.send(
        sentOf(
          `a link asked for, ${what}`,
          'links.requestEmailLink',
          { body: { email } },
          badBySchema(linkBody, { email }) ? 'refused' : 'answered',
          header,
        ),
      );
      // The password of 1024 characters, and past it, on the same odd key.
      for (const password of ['p'.repeat(1024), 'p'.repeat(1025), 'pass\u0000word']) {
        const body = { email, password };
        await probe.send(
          sentOf(
            `a sign-in, ${what}, a password of ${password.length} characters`,
            'auth.signIn',
            { body },
            badBySchema(signInBody, body) ? 'refused' : 'nameless',
            header,
          ),
        );
      }
    }
    // Spelt in capitals or with spaces around, an address is the same account's: its failures
    // are the account's (the audit trail names it), and its links come out of one budget.
    const failedFor = (await rowsOf(t.ts, 'auditEvents'))
      .filter((e) => e.type === 'auth.sign_in.failed')
      .filter((e) => (e.details as { email?: string }).email === 'buyer@acme.test');
    expect(failedFor.length).toBeGreaterThanOrEqual(6);
    expect(new Set(failedFor.map((e) => e.subjectUserId))).toEqual(
      new Set([ids.userId('buyer@acme.test')]),
    );
    await t.deps.background.idle();
    const lately = (await rowsOf(t.ts, 'auditEvents')).filter(
      (e) =>
        e.type === 'one_click.requested' &&
        e.subjectUserId === ids.userId('buyer@acme.test') &&
        (e.details as { outcome?: string }).outcome === 'too_many_lately',
    );
    // The buyer's address asked for in several spellings: three sends, the rest dropped.
    const spellings = emails.filter(([, e]) => e.trim().toLowerCase() === 'buyer@acme.test');
    expect(spellings.length).toBeGreaterThan(3);
    expect(lately.length).toBe(spellings.length - 3);
    // And the buyer, whose address was asked for in every spelling, still signs in.
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      body: { email: 'buyer@acme.test', password: DEMO_PASSWORD },
      headers: { 'x-forwarded-for': '192.0.2.44' },
    });
    expect(res.status).toBe(200);
    expect(probe.failures).toEqual([]);
  }, 60_000);

  /** Secrets of odd shapes, for every route that redeems or previews one. */
  const oddSecrets: [string, string][] = [
    ['empty', ''],
    ['one character', 'x'],
    ['200 characters', 'x'.repeat(200)],
    ['201 characters', 'x'.repeat(201)],
    ['spaces', '          '],
    ['a lone surrogate', `${secret.slice(1)}\ud800`],
    ['a NUL', `${secret.slice(1)}\u0000`],
    ['latin-1 letters', 'ÿ'.repeat(43)],
    ['100 emoji (200 UTF-16 units)', '\u{1F600}'.repeat(100)],
    ['a right-to-left override', `\u202e${secret}`],
    ['padding', `${secret}=`],
    ['a slash and dots', '../../x'],
    ['a percent-encoded NUL', '%00'],
    ['JSON inside', '{"id":1}'],
  ];
  /** Login tokens are `id.secret`: ids spelt every way but the right one. */
  const oddTokens: [string, string][] = [
    ...oddSecrets,
    ['a dot alone', '.'],
    ['an id and no secret', '1.'],
    ['a secret and no id', `.${secret}`],
    ['id 0', `0.${secret}`],
    ['a negative id', `-1.${secret}`],
    ['an exponent', `1e3.${secret}`],
    ['hex', `0x10.${secret}`],
    ['a leading zero', `01.${secret}`],
    ['full-width digits', `１.${secret}`],
    ['Arabic-Indic digits', `\u0661.${secret}`],
    ['16 nines', `9999999999999999.${secret}`],
    ['17 digits', `12345678901234567.${secret}`],
    ['two dots', `1.${secret}.x`],
    ['a space after the id', `1 .${secret}`],
  ];
  /** Hand-off tokens, as a path segment: written into the path as they are. */
  const oddHandoffs: [string, string][] = [
    ['one character', 'x'],
    ['256 characters', 'x'.repeat(256)],
    ['257 characters', 'x'.repeat(257)],
    ['a NUL', 'a%00b'],
    ['a lone surrogate (CESU-8)', '%ED%A0%80'],
    ['a byte that is not UTF-8', '%FF'],
    ['an emoji', '%F0%9F%98%80'],
    ['an encoded slash', 'a%2Fb'],
    ['an encoded space', '%20'],
    ['a dot inside', `a.${secret}`],
    ['a hand-off of no impersonation', `01ARZ3NDEKTSV4RRFFQ69G5FAV.${secret}`],
    ['the largest ULID', `7ZZZZZZZZZZZZZZZZZZZZZZZZZ.${secret}`],
    ['"null"', 'null'],
  ];

  it.concurrent('tokens of odd shapes on every redemption: a 4xx of the catalogue, first from addresses of their own, then all from one', async ({
    expect,
  }) => {
    const { t, raw } = await loggedApp({ rateLimits: true, env: { TRUST_PROXY: '1' } });
    const ids = demoIds(t);
    const buyer = ids.userId('buyer@acme.test');
    const probe = prober(t, raw, 'tokens');
    const oneClick = (routes['links.redeemOneClick'] as RouteContract).body as z.ZodType;
    const loginToken = (routes['links.redeemLoginToken'] as RouteContract).body as z.ZodType;
    const userIds: [string, unknown][] = [
      ['the buyer', buyer],
      ['0', 0],
      ['2**31', 2 ** 31],
      ['2**53 - 1', Number.MAX_SAFE_INTEGER],
      ['2**53', 2 ** 53],
      ['a string', String(buyer)],
    ];
    const rounds: [string, (i: number) => [string, string][]][] = [
      ['from an address of its own', (i) => [forwarded(`2001:db8:100:${i.toString(16)}::1`)]],
      ['all from one address', () => [forwarded('198.51.100.99')]],
    ];
    // How many of the one address's guesses were refused for its budget.
    let limited = 0;
    for (const [round, header] of rounds) {
      let i = 0;
      for (const [what, hash] of oddSecrets) {
        for (const [whose, userId] of userIds) {
          const body = { userId, hash };
          const bad = badBySchema(oneClick, body);
          i += 1;
          for (const name of ['links.previewOneClick', 'links.redeemOneClick'] as const) {
            const preview = name === 'links.previewOneClick';
            const answer = await probe.send(
              sentOf(
                `${round}: a one-click link of ${whose}, its secret ${what}`,
                name,
                { body },
                bad ? 'refused' : preview ? 'answered' : 'nameless',
                header(i),
                // From an address of its own, no budget is spent: the link itself is judged.
                !bad && round !== 'all from one address' && !preview ? ['link_invalid'] : undefined,
              ),
            );
            if (codeOf(answer) === 'rate_limited') limited += 1;
          }
        }
      }
      for (const [what, token] of oddTokens) {
        const body = { token };
        const bad = badBySchema(loginToken, body);
        i += 1;
        for (const name of ['links.previewLoginToken', 'links.redeemLoginToken'] as const) {
          const preview = name === 'links.previewLoginToken';
          const answer = await probe.send(
            sentOf(
              `${round}: a login token ${what}`,
              name,
              { body },
              bad ? 'refused' : preview ? 'answered' : 'nameless',
              header(i),
              !bad && round !== 'all from one address' && !preview ? ['link_invalid'] : undefined,
            ),
          );
          if (codeOf(answer) === 'rate_limited') limited += 1;
        }
      }
    }
    // The one address guessed past its free guesses and was slowed down (how long each wait
    // lasts is the wall clock's, so a request after the probes may or may not meet one); a real
    // link opened from another address still works.
    expect(limited).toBeGreaterThan(0);
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    await ops.sys.emailOneClickLink({ userId: buyer });
    const [, , userId, hash] = new URL(t.latestMail('buyer@acme.test').url ?? '').pathname.split(
      '/',
    );
    await probe.resync();
    const real = await t.call('POST', '/api/public/auth/one-click', {
      body: { userId: Number(userId), hash },
      headers: { 'x-forwarded-for': '192.0.2.55' },
    });
    expect(real.status).toBe(200);
    expect(probe.failures).toEqual([]);
  }, 60_000);

  it.concurrent('hand-off tokens of odd shapes: a 4xx of the catalogue; the session a real one is bound to exchanges it whatever it guessed', async ({
    expect,
  }) => {
    const { t, raw } = await loggedApp({ rateLimits: true, env: { TRUST_PROXY: '1' } });
    const ids = demoIds(t);
    const probe = prober(t, raw, 'hand-offs');
    const admin = (await t.signIn('admin@acme.test')).token;
    const { token: real } = await t
      .client(admin)
      .impersonation.teamHandoff(ids.profileId('buyer@acme.test'), 'Checking the basket');
    await probe.resync();
    const exchange = routes['impersonation.exchange'] as RouteContract;
    const guesses: string[] = [];
    for (const [what, token] of oddHandoffs) {
      const answer = await probe.send({
        what: `a hand-off token, ${what}`,
        method: 'POST',
        path: pathOf(exchange, { token }),
        headers: [['authorization', `Bearer ${admin}`], forwarded('198.51.100.120')],
        expect: 'nameless',
      });
      guesses.push(`${statusOf(answer)} ${codeOf(answer)}`);
    }
    // Past the session's few free guesses, it is slowed down.
    expect(guesses).toContain('429 rate_limited');
    // Another session, elsewhere, is not: its first guess is judged as a guess.
    const owner = (await t.signIn('owner@acme.test')).token;
    await probe.resync();
    const other = await probe.send({
      what: "another session's first guess, from elsewhere",
      method: 'POST',
      path: pathOf(exchange, { token: `01ARZ3NDEKTSV4RRFFQ69G5FAV.${secret}` }),
      headers: [['authorization', `Bearer ${owner}`], forwarded('198.51.100.121')],
      expect: 'nameless',
      codes: ['handoff_invalid'],
    });
    expect(statusOf(other)).toBe(400);
    // The session the real token is bound to is never limited.
    const exchanged = await t.call('POST', pathOf(exchange, { token: real }), {
      token: admin,
      headers: { 'x-forwarded-for': '198.51.100.120' },
    });
    expect(exchanged.status).toBe(200);
    expect(probe.failures).toEqual([]);
  }, 60_000);

  it.concurrent('the metrics token of odd shapes: 401 or 429 of the catalogue; the right one from elsewhere still reads', async ({
    expect,
  }) => {
    const METRICS_TOKEN = 'the-metrics-scrapers-own-token';
    const { t, raw } = await loggedApp({
      rateLimits: true,
      env: { TRUST_PROXY: '1', METRICS_TOKEN },
    });
    const probe = prober(t, raw, 'metrics');
    const presented: [string, [string, string][]][] = [
      ['no header', []],
      ['an empty bearer token', [['authorization', 'Bearer ']]],
      ['the token and one more character', [['authorization', `Bearer ${METRICS_TOKEN}x`]]],
      ['the token without its scheme', [['authorization', METRICS_TOKEN]]],
      ['the token as Basic', [['authorization', `Basic ${METRICS_TOKEN}`]]],
      ['the token twice', [['authorization', `Bearer ${METRICS_TOKEN} ${METRICS_TOKEN}`]]],
      [
        'two Authorization headers',
        [
          ['authorization', `Bearer ${METRICS_TOKEN}`],
          ['authorization', `Bearer ${METRICS_TOKEN}`],
        ],
      ],
      ['1 MB of token', [['authorization', `Bearer ${'t'.repeat(MB)}`]]],
      ['1 MB of spaces then the token', [['authorization', `Bearer${' '.repeat(MB)}x`]]],
      ['latin-1 letters', [['authorization', `Bearer ${'ÿ'.repeat(30)}`]]],
      ['a tab for the space', [['authorization', `Bearer\t${METRICS_TOKEN}x`]]],
    ];
    for (const [round, address] of [
      ['from an address of its own', (i: number) => `198.51.100.${i + 1}`],
      ['all from one address', () => '198.51.100.180'],
    ] as const) {
      for (let pass = 0; pass < (round === 'all from one address' ? 3 : 1); pass++) {
        for (const [i, [what, headers]] of presented.entries()) {
          await probe.send({
            what: `${round}: ${what}`,
            method: 'GET',
            path: '/metrics',
            headers: [...headers, forwarded(address(i))],
            expect: 'nameless',
            codes:
              round === 'all from one address'
                ? ['unauthenticated', 'rate_limited']
                : ['unauthenticated'],
          });
        }
      }
    }
    const right = await t.call('GET', '/metrics', {
      headers: { authorization: `bearer ${METRICS_TOKEN}`, 'x-forwarded-for': '192.0.2.90' },
    });
    expect(right.status).toBe(200);
    expect(probe.failures).toEqual([]);
  }, 60_000);

  it.concurrent('an address spelt many ways is one budget; its neighbours and the allowlist keep theirs', async ({
    expect,
  }) => {
    const { t, raw } = await loggedApp({
      rateLimits: true,
      env: { TRUST_PROXY: '1', RATE_LIMIT_ALLOWLIST: ALLOWLIST },
    });
    const buyer = demoIds(t).userId('buyer@acme.test');
    const probe = prober(t, raw, 'spellings');
    const preview = (what: string, address: string, codes?: readonly string[]) =>
      probe.send(
        sentOf(
          what,
          'links.previewOneClick',
          { body: { userId: buyer, hash: secret } },
          'answered',
          [forwarded(address)],
          codes,
        ),
      );
    const spellings: [string, string[], string][] = [
      [
        'IPv4',
        [
          '198.51.100.66',
          '198.51.100.66:1',
          '[::ffff:198.51.100.66]:2',
          '::ffff:c633:6442',
          '::FFFF:198.51.100.66',
          '64:ff9b::198.51.100.66',
        ],
        '198.51.100.67',
      ],
      [
        'an IPv6 /64',
        [
          '2001:db8:5:1::1',
          '2001:DB8:5:1:0:0:0:2',
          '[2001:db8:5:1::3]:443',
          '2001:0db8:0005:0001:ffff:ffff:ffff:ffff',
          '[2001:db8:5:1:abcd::]',
        ],
        '2001:db8:5:2::1',
      ],
    ];
    for (const [what, forms, neighbour] of spellings) {
      // Twenty guesses are free; from the twenty-first, each sets a wait (1 s, 2 s, 4 s, …) that
      // the next one meets, however the address is spelt. Apart, each spelling would be far
      // below twenty.
      const outcomes: number[] = [];
      for (let i = 0; i < 26; i++) {
        const form = forms[i % forms.length] ?? '';
        const codes = i < 20 ? undefined : ['rate_limited'];
        outcomes.push(statusOf(await preview(`${what}: guess ${i + 1} as ${form}`, form, codes)));
      }
      expect({
        what,
        free: outcomes.slice(0, 21),
        slowed: outcomes.slice(21).includes(429),
      }).toEqual({
        what,
        free: Array(21).fill(200),
        slowed: true,
      });
      const beside = await preview(`${what}: its neighbour ${neighbour}`, neighbour);
      expect([neighbour, statusOf(beside)]).toEqual([neighbour, 200]);
    }
    // An allowlisted address is not counted, however spelt.
    const allowed = ['203.0.113.5', '[::ffff:203.0.113.5]:9', '2001:db8:a110:7::1'];
    const outcomes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const form = allowed[i % allowed.length] ?? '';
      outcomes.push(statusOf(await preview(`allowlisted guess ${i + 1} as ${form}`, form)));
    }
    expect(outcomes.every((s) => s === 200)).toBe(true);
    expect(probe.failures).toEqual([]);
  }, 60_000);
});

// ---- 2. a caller acting for someone else --------------------------------------------------------

type Door = 'team' | 'operator';

/** How each kind of acting caller starts: its session's token. */
const doors: Record<Door, { who: string; start(t: TestApp): Promise<string> }> = {
  team: {
    who: "Acme's owner acting as its team admin (team door)",
    async start(t) {
      const owner = t.client((await t.signIn('owner@acme.test')).token);
      const { token } = await owner.impersonation.teamHandoff(
        demoIds(t).profileId('admin@acme.test'),
        'Checking the team page',
      );
      return (await owner.impersonation.exchange(token)).token ?? '';
    },
  },
  operator: {
    who: 'the superadmin acting as Jane Doe in Acme (operator door)',
    async start(t) {
      const ids = demoIds(t);
      const root = t.client((await t.signIn('root@onbehalf.test')).token);
      const { token } = await root.impersonation.operatorHandoff({
        userId: ids.userId('member@acme.test'),
        profileId: ids.profileId('member@acme.test'),
        reason: 'Checking an order',
      });
      return (await root.impersonation.exchange(token)).token ?? '';
    },
  },
};

/** A session acting for someone else, checked to be one: a probe as anyone else proves nothing. */
async function actingToken(t: TestApp, door: Door): Promise<string> {
  const token = await doors[door].start(t);
  const session = await t.call('GET', '/api/public/auth/session', { token });
  if (!(session.json as { session?: { actor?: unknown } })?.session?.actor) {
    throw new Error(`${door}: the exchange opened no session acting for someone`);
  }
  return token;
}

/**
 * Every probe of `bad-input.test.ts` on one route, sent as an acting caller: refused by a guard
 * (a route acting callers may not call, a permission the person acted as lacks) or by the
 * validator, or answered where the input is fine; never a 500, and a guard's refusal changes no
 * more than its record.
 */
async function fuzzActing(name: RouteName, door: Door) {
  const route = routes[name] as RouteContract;
  const { t, raw } = await loggedApp({ rateLimits: false });
  let token = await actingToken(t, door);
  // What the schema refuses is refused alike whoever asks (bad-input.test.ts sends it all): a
  // third of it here; everything that reaches a guard or a handler.
  const probes = probesOf(
    name,
    route,
    starts(t)[name] ?? {},
    oddInputs(t)[name] ?? [],
    callers[name] !== null,
  ).filter((p, i) => p.expect !== 'refused' || i % 3 === 0);
  const failures: string[] = [];
  const rows = route.method !== 'get';
  let before = await snapshot(t, rows);
  // Once a route refuses this caller outright (a guard, ten answers in a row), a fifth of the
  // rest tells as much: what comes before the guard (the path, the method) is probed all the same.
  let guarded = 0;
  let sent = 0;
  for (const [i, probe] of probes.entries()) {
    if (guarded >= 10 && i % 5 !== 0) continue;
    sent += 1;
    const logged = raw.length;
    const answer = await send(t, probe, token, name);
    const after = await snapshot(t, rows);
    const code = codeOf(answer);
    guarded = code && guardCodes.has(code) ? guarded + 1 : 0;
    // A guard that refuses an acting caller records the refusal (SPEC §8b), and may come before
    // the body is read: either is allowed.
    const { codes: _, ...uncoded } = probe;
    const judgedAs =
      code && guardCodes.has(code) ? { ...uncoded, expect: 'nameless' as const } : probe;
    const problems = [
      ...(await judged(t, judgedAs, answer, before, after)),
      ...errorLines(raw.slice(logged)),
    ];
    if (problems.length > 0) {
      const url = shorten(`${probe.path}${probe.query ? `?${probe.query}` : ''}`);
      failures.push(
        `${name} as ${door}: ${probe.method} ${url} [${probe.what}] → ${problems.join('; ')}`,
      );
    }
    before = after;
    if (!('threw' in answer) && answer.status < 400) {
      // A probe that ended the impersonation (leave, sign out) starts the next one afresh.
      const alive = await t.call('GET', '/api/public/auth/session', { token });
      if (
        alive.status === 401 ||
        (alive.json as { session?: { actor?: unknown } })?.session?.actor === undefined
      ) {
        token = await actingToken(t, door);
        before = await snapshot(t, rows);
      }
    }
  }
  return { failures, probes: sent };
}

describe('a caller acting for someone else gets a 4xx of the catalogue for bad input, and changes nothing (SPEC §4b, §8)', () => {
  const acted = table.filter(([name]) => !name.startsWith('test.'));
  for (const door of ['team', 'operator'] as const) {
    for (const [name] of acted) {
      it.concurrent(`${name}, as ${doors[door].who}`, async ({ expect }) => {
        const { failures, probes } = await fuzzActing(name, door);
        expect(probes).toBeGreaterThan(0);
        expect(failures).toEqual([]);
      }, 120_000);
    }
  }
});

// ---- 3. test mode's key ---------------------------------------------------------------------------

const TEST_KEY = 'the-qa-teams-own-test-mode-key';

/** Keys that are not the key, as headers (a name twice is sent twice). */
const wrongKeys: [string, [string, string][], readonly string[]][] = [
  ['no key', [], ['test_key_required']],
  ['an empty key', [[TEST_KEY_HEADER, '']], ['test_key_required']],
  ['spaces', [[TEST_KEY_HEADER, '     ']], ['test_key_required']],
  ['the key and one more character', [[TEST_KEY_HEADER, `${TEST_KEY}x`]], ['test_key_required']],
  [
    'the key but its last character',
    [[TEST_KEY_HEADER, TEST_KEY.slice(0, -1)]],
    ['test_key_required'],
  ],
  ['the key in capitals', [[TEST_KEY_HEADER, TEST_KEY.toUpperCase()]], ['test_key_required']],
  [
    'the key twice in one header',
    [[TEST_KEY_HEADER, `${TEST_KEY},${TEST_KEY}`]],
    ['test_key_required'],
  ],
  [
    'the key sent twice',
    [
      [TEST_KEY_HEADER, TEST_KEY],
      [TEST_KEY_HEADER, TEST_KEY],
    ],
    ['test_key_required'],
  ],
  [
    'another key, then the key',
    [
      [TEST_KEY_HEADER, 'x'],
      [TEST_KEY_HEADER, TEST_KEY],
    ],
    ['test_key_required'],
  ],
  ['1 MB', [[TEST_KEY_HEADER, 'k'.repeat(MB)]], ['test_key_required']],
  ['latin-1 letters', [[TEST_KEY_HEADER, 'ÿ'.repeat(32)]], ['test_key_required']],
  ['the key and a latin-1 letter', [[TEST_KEY_HEADER, `${TEST_KEY}é`]], ['test_key_required']],
  [
    'UTF-8 bytes read as latin-1',
    [[TEST_KEY_HEADER, Buffer.from(`${TEST_KEY}-clé`, 'utf8').toString('latin1')]],
    ['test_key_required'],
  ],
  [
    'a tab inside',
    [[TEST_KEY_HEADER, `${TEST_KEY.slice(0, 5)}\t${TEST_KEY.slice(5)}`]],
    ['test_key_required'],
  ],
  ['the key in the clock header', [[TEST_CLOCK_HEADER, TEST_KEY]], ['test_key_required']],
  [
    'the key as a bearer token',
    [['authorization', `Bearer ${TEST_KEY}`]],
    ['test_key_required', 'unauthenticated'],
  ],
  [
    'the key as a cookie',
    [['cookie', `${TEST_KEY_HEADER}=${TEST_KEY}`]],
    ['test_key_required', 'csrf_rejected'],
  ],
];

/** Test clock names: taken up to their length, refused past it; every one a text, never a 500. */
const clockNames: [string, [string, string][]][] = [
  ['an empty clock', [[TEST_CLOCK_HEADER, '']]],
  ['spaces', [[TEST_CLOCK_HEADER, '     ']]],
  [`${TEST_CLOCK_MAX_LENGTH} characters`, [[TEST_CLOCK_HEADER, 'c'.repeat(TEST_CLOCK_MAX_LENGTH)]]],
  [
    `${TEST_CLOCK_MAX_LENGTH + 1} characters`,
    [[TEST_CLOCK_HEADER, 'c'.repeat(TEST_CLOCK_MAX_LENGTH + 1)]],
  ],
  [
    `${TEST_CLOCK_MAX_LENGTH} latin-1 letters`,
    [[TEST_CLOCK_HEADER, 'ÿ'.repeat(TEST_CLOCK_MAX_LENGTH)]],
  ],
  [
    `${TEST_CLOCK_MAX_LENGTH + 1} latin-1 letters`,
    [[TEST_CLOCK_HEADER, 'ÿ'.repeat(TEST_CLOCK_MAX_LENGTH + 1)]],
  ],
  ['1 MB', [[TEST_CLOCK_HEADER, 'c'.repeat(MB)]]],
  [
    'UTF-8 bytes read as latin-1',
    [[TEST_CLOCK_HEADER, Buffer.from('horloge-é-\u{1F600}', 'utf8').toString('latin1')]],
  ],
  ['a comma', [[TEST_CLOCK_HEADER, 'a,b']]],
  [
    'sent twice',
    [
      [TEST_CLOCK_HEADER, 'a'],
      [TEST_CLOCK_HEADER, 'b'],
    ],
  ],
  ['SQL', [[TEST_CLOCK_HEADER, "'; DROP TABLE test_clocks; --"]]],
  ['a LIKE pattern', [[TEST_CLOCK_HEADER, '%_%']]],
  ['a percent-encoded NUL', [[TEST_CLOCK_HEADER, '%00']]],
  ['a backslash', [[TEST_CLOCK_HEADER, '\\']]],
  ['a tab inside', [[TEST_CLOCK_HEADER, 'a\tb']]],
  ['JSON', [[TEST_CLOCK_HEADER, '{"namespace":""}']]],
];

const clockLength = (headers: [string, string][]) =>
  headers
    .filter(([name]) => name === TEST_CLOCK_HEADER)
    .map(([, value]) => value.trim())
    .join(', ').length;

describe("test mode's key: /api/test/* refuses every key but its own with a 4xx of the catalogue, and makes nothing (SPEC §12)", () => {
  const keyed = () =>
    loggedApp({
      rateLimits: true,
      env: { ONBEHALF_TEST_MODE: '1', ONBEHALF_TEST_MODE_KEY: TEST_KEY, TRUST_PROXY: '1' },
    });
  const testRoutes = table.filter(([name]) => name.startsWith('test.'));

  it.concurrent('every test route, with every key that is not the key: 401 test_key_required, nothing made', async ({
    expect,
  }) => {
    const { t, raw } = await keyed();
    const given = starts(t);
    const probe = prober(t, raw, 'wrong keys');
    const rounds: [string, (i: number) => string][] = [
      ['from an address of its own', (i) => `198.51.100.${i + 1}`],
      ['all from one address', () => '198.51.100.200'],
    ];
    for (const [round, address] of rounds) {
      for (const [i, [what, headers, codes]] of wrongKeys.entries()) {
        for (const [name] of testRoutes) {
          const all = round === 'all from one address' ? [...codes, 'rate_limited'] : codes;
          await probe.send(
            sentOf(
              `${round}: ${what}`,
              name,
              given[name] ?? {},
              'nameless',
              [...headers, forwarded(address(i)), [TEST_CLOCK_HEADER, 'keyed']],
              all,
            ),
          );
        }
        // Input that is bad as well: refused, whichever is said first.
        await probe.send(
          sentOf(
            `${round}: ${what}, and a body that is not the route's`,
            'test.createOrganization',
            { body: { extraMembers: 100_000, unknownField: 1 } },
            'nameless',
            [...headers, forwarded(address(i))],
          ),
        );
      }
    }
    // Whatever was guessed elsewhere, the key from a fresh address opens the door.
    const right = await t.call('GET', '/api/test/clock', {
      headers: { [TEST_KEY_HEADER]: TEST_KEY, 'x-forwarded-for': '192.0.2.70' },
    });
    expect(right.status).toBe(200);
    expect(probe.failures).toEqual([]);
  }, 60_000);

  it.concurrent('odd test clock names: taken with the key, refused past their length, refused without the key; never a 500', async ({
    expect,
  }) => {
    const { t, raw } = await keyed();
    const probe = prober(t, raw, 'clocks');
    const advance = { body: { advanceMs: 1000 } };
    for (const [i, [what, clock]] of clockNames.entries()) {
      const tooLong = clockLength(clock) > TEST_CLOCK_MAX_LENGTH;
      const noClock = clockLength(clock) === 0;
      const withKey: [string, string][] = [
        [TEST_KEY_HEADER, TEST_KEY],
        forwarded(`198.51.100.${i + 1}`),
        ...clock,
      ];
      const expectation = tooLong ? 'refused' : 'answered';
      const tooLongCodes = tooLong ? ['validation_failed'] : undefined;
      await probe.send(
        sentOf(`${what}: the clock read`, 'test.clock', {}, expectation, withKey, tooLongCodes),
      );
      await probe.send(
        sentOf(
          `${what}: the clock moved`,
          'test.advanceClock',
          advance,
          tooLong ? 'refused' : noClock ? 'nameless' : 'answered',
          withKey,
          tooLong ? ['validation_failed'] : noClock ? ['test_clock_required'] : undefined,
        ),
      );
      await probe.send(
        sentOf(
          `${what}: the mailbox read`,
          'test.mailbox',
          { query: { to: 'buyer@acme.test' } },
          expectation,
          withKey,
          tooLongCodes,
        ),
      );
      // Any route runs on the clock a request names.
      await probe.send(
        sentOf(
          `${what}: a sign-in`,
          'auth.signIn',
          { body: { email: 'buyer@acme.test', password: WRONG_PASSWORD } },
          tooLong ? 'refused' : 'nameless',
          withKey,
          tooLong ? ['validation_failed'] : ['invalid_credentials'],
        ),
      );
      // Without the key, no clock is made or moved, however it is named.
      await probe.send(
        sentOf(
          `${what}: the clock moved without the key`,
          'test.advanceClock',
          advance,
          tooLong ? 'refused' : 'nameless',
          [forwarded(`198.51.101.${i + 1}`), ...clock],
          tooLong ? ['validation_failed'] : ['test_key_required'],
        ),
      );
    }
    expect(probe.failures).toEqual([]);
  }, 60_000);

  it.concurrent('through a socket: a key or clock header of bytes that are not ASCII, a NUL, or sent twice', async ({
    expect,
  }) => {
    const { t, raw } = await keyed();
    const server = createHttpServer(t.app.fetch);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const failures: string[] = [];
    const lines: [string, string[], Pick<Sent, 'expect' | 'codes'>][] = [
      [
        'the key with UTF-8 bytes',
        [`${TEST_KEY_HEADER}: ${TEST_KEY}-cl\u00c3\u00a9`],
        { expect: 'nameless', codes: ['test_key_required'] },
      ],
      ['the key with a NUL', [`${TEST_KEY_HEADER}: ${TEST_KEY}\u0000`], { expect: 'refused' }],
      [
        'the key on two lines',
        [`${TEST_KEY_HEADER}: ${TEST_KEY}`, `${TEST_KEY_HEADER}: ${TEST_KEY}`],
        { expect: 'nameless', codes: ['test_key_required'] },
      ],
      [
        'the key folded onto a second line',
        [`${TEST_KEY_HEADER}: ${TEST_KEY.slice(0, 5)}`, ` ${TEST_KEY.slice(5)}`],
        { expect: 'refused' },
      ],
      [
        `a clock of ${TEST_CLOCK_MAX_LENGTH + 1} bytes past ASCII`,
        [
          `${TEST_KEY_HEADER}: ${TEST_KEY}`,
          `${TEST_CLOCK_HEADER}: ${'\u00ff'.repeat(TEST_CLOCK_MAX_LENGTH + 1)}`,
        ],
        { expect: 'refused', codes: ['validation_failed'] },
      ],
      [
        'a clock with a NUL',
        [`${TEST_KEY_HEADER}: ${TEST_KEY}`, `${TEST_CLOCK_HEADER}: a\u0000b`],
        { expect: 'refused' },
      ],
    ];
    let before = await snapshot(t, true);
    try {
      for (const [what, headerLines, expectation] of lines) {
        const request = Buffer.from(
          `POST /api/test/clock HTTP/1.1\r\nhost: portal.test\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 19\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n{"advanceMs":1000} `,
          'latin1',
        );
        const logged = raw.length;
        const answer = await rawExchange(port, request);
        const after = await snapshot(t, true);
        const problems = [
          ...(await judged(t, expectation, answer, before, after)),
          ...errorLines(raw.slice(logged)),
        ];
        if (problems.length > 0) failures.push(`${what} → ${problems.join('; ')}`);
        before = after;
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
