import { type AddressInfo, connect, isIPv4, isIPv6 } from 'node:net';
import { errorBody, errorCatalogue } from '@onbehalf/contracts/errors';
import { type RouteContract, type RouteName, routes } from '@onbehalf/contracts/routes';
import {
  TEST_CLOCK_HEADER,
  TEST_CLOCK_MAX_LENGTH,
  TEST_KEY_HEADER,
} from '@onbehalf/contracts/test-mode';
import { sql } from 'drizzle-orm';
import { describe, it } from 'vitest';
import { z } from 'zod';
import { createHttpServer } from '../http/listener.ts';
import { createLogger } from '../lib/logger.ts';
import { DEMO_PASSWORD } from '../store/demo.ts';
import { rowsOf } from '../store/test-rows.ts';
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
 *    of `bad-input.test.ts` (copied below): a 4xx of the catalogue (a route may refuse acting
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

// What follows, up to "probes sent as they are", is bad-input.test.ts's, copied (a test file
// imported would run its tests here too): its probes, what a probe may change, how it is judged.

// ---- the zod schemas, walked ---------------------------------------------------------------

/** The parts of a zod 4 schema's definition this file reads. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  values?: unknown[];
}
const defOf = (schema: z.ZodType) => (schema as unknown as { def: Def }).def;

/** The schema a value is checked against once defaults, optionality and preprocessing are off. */
function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean } {
  let optional = false;
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (['optional', 'default', 'prefault'].includes(def.type) && def.innerType) {
      optional = true;
      current = def.innerType;
    } else if (['nullable', 'readonly', 'catch'].includes(def.type) && def.innerType) {
      current = def.innerType;
    } else if (def.type === 'pipe' && def.in && def.out) {
      // A preprocess (numericId) checks its output; a transform then a pipe, its input.
      current = defOf(def.in).type === 'transform' ? def.out : def.in;
    } else {
      return { schema: current, optional };
    }
  }
}

interface Field {
  path: string[];
  schema: z.ZodType;
  optional: boolean;
}

/** Every field of an object schema, nested ones too (each option of a union of objects). */
function fieldsOf(schema: z.ZodType, path: string[] = []): Field[] {
  const { schema: inner, optional } = unwrap(schema);
  const here: Field[] = path.length > 0 ? [{ path, schema: inner, optional }] : [];
  const def = defOf(inner);
  if (def.type === 'object' && def.shape) {
    return [
      ...here,
      ...Object.entries(def.shape).flatMap(([key, field]) => fieldsOf(field, [...path, key])),
    ];
  }
  if (def.type === 'union' && def.options) {
    const nested = def.options.flatMap((option) =>
      defOf(unwrap(option).schema).type === 'object'
        ? fieldsOf(option, path).slice(path.length > 0 ? 1 : 0)
        : [],
    );
    const seen = new Set<string>();
    return [
      ...here,
      ...nested.filter((f) => {
        const key = f.path.join('.');
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      }),
    ];
  }
  return here;
}

type Kind = 'string' | 'number' | 'boolean' | 'enum' | 'literal' | 'array' | 'object' | 'union';

function kindOf(schema: z.ZodType): Kind {
  const type = defOf(schema).type;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'enum') return type;
  if (type === 'literal' || type === 'array' || type === 'object' || type === 'union') return type;
  return 'string';
}

/** Ids: positive integers up to the largest safe one (bodyId, numericId, organization ids). */
function isIdLike(schema: z.ZodType): boolean {
  // Zod's public bounds: `positive()` reads as a minimum of 0, as `min(1)` reads as 1.
  return (
    schema instanceof z.ZodNumber &&
    schema.minValue !== null &&
    schema.minValue >= 0 &&
    (schema.maxValue ?? Number.POSITIVE_INFINITY) >= Number.MAX_SAFE_INTEGER
  );
}

/** The most characters a string schema takes, if it says. */
const maxLengthOf = (schema: z.ZodType) =>
  schema instanceof z.ZodString ? (schema.maxLength ?? undefined) : undefined;

/** Text no database keeps as sent: a lone surrogate or a NUL, in a key or a value. */
function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return value.isWellFormed() && !value.includes('\u0000');
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => wellFormed(k) && wellFormed(v));
  }
  return true;
}

/** As the server reads a query or body: fields the contract does not name are refused. */
const strict = (schema: z.ZodType) => (schema instanceof z.ZodObject ? schema.strict() : schema);

/** Whether the route's own schema refuses the input (the server validates with it). */
function badBySchema(schema: z.ZodType, value: unknown): boolean {
  const parsed = strict(schema).safeParse(value);
  return !parsed.success || !wellFormed(parsed.data);
}

// ---- bodies: JSON with numbers JSON.stringify cannot write ------------------------------------

/** A JSON token written as is: `1e999` (Infinity once parsed), `-0`, `NaN` (not JSON at all). */
class RawJson {
  constructor(readonly text: string) {}
}

function jsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return v;
  });
  return text.replace(/"\\u0001raw(\d+)\\u0001"/g, (_, i: string) => raws[Number(i)] ?? '');
}

function parsedJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A copy of `value` with `path` set to `to` (or removed, for `MISSING`). */
const MISSING = Symbol('missing');
function withField(value: unknown, path: string[], to: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return to;
  const object =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? { ...(value as Record<string, unknown>) }
      : {};
  const next = withField(object[head], rest, to);
  if (next === MISSING) delete object[head];
  else object[head] = next;
  return object;
}

const MB = 1024 * 1024;
const oneMegabyte = 'x'.repeat(MB);

/** The wrong values a body field of this schema is sent, each with a label for the report. */
function badJsonValues(schema: z.ZodType): [string, unknown][] {
  const kind = kindOf(schema);
  const max = maxLengthOf(schema);
  const common: [string, unknown][] = [
    ['null', null],
    ['an object', { a: 1 }],
    ['an empty array', []],
  ];
  switch (kind) {
    case 'string':
      return [
        ...common,
        ['a number', 12345],
        ['true', true],
        ['an array of a string', ['x']],
        ['an empty string', ''],
        ['only spaces', '   '],
        ...(max !== undefined
          ? [[`${max + 1} characters`, 'x'.repeat(max + 1)] as [string, unknown]]
          : []),
        ['1 MB of text', oneMegabyte],
        ['a lone surrogate', '\ud800'],
        ['a lone low surrogate inside text', 'ab\udc00cd'],
        ['a NUL inside text', 'a\u0000b'],
        ['a right-to-left override', 'abc\u202edef'],
        ['text that is no date, email or enum', 'not-a-date@'],
        ['an impossible date', '2024-02-30T00:00:00Z'],
      ];
    case 'number':
      return [
        ...common,
        ['a numeric string', '1'],
        ['"NaN"', 'NaN'],
        ['"Infinity"', 'Infinity'],
        ['true', true],
        ['-1', -1],
        ['0', 0],
        ['-0', new RawJson('-0')],
        ['0.5', 0.5],
        ['1.5', 1.5],
        ['2**53', 2 ** 53],
        ['2**53 + 2', 2 ** 53 + 2],
        ['2**64', 2 ** 64],
        ['-(2**53)', -(2 ** 53)],
        ['1e308', 1e308],
        ['1e999 (Infinity once parsed)', new RawJson('1e999')],
        ['-1e999', new RawJson('-1e999')],
        ['NaN (not JSON)', new RawJson('NaN')],
        ['a number with 400 digits', new RawJson('9'.repeat(400))],
      ];
    case 'boolean':
      return [...common, ['"true"', 'true'], ['"false"', 'false'], ['1', 1], ['0', 0]];
    case 'enum': {
      const first = Object.values(defOf(schema).entries ?? {})[0] ?? 'x';
      return [
        ...common,
        ['a value not in the enum', 'not-a-choice'],
        ['an empty string', ''],
        ['the first choice in capitals', first.toUpperCase()],
        ['the first choice with a space', `${first} `],
        ['the first choice with a NUL', `${first}\u0000`],
        ['a number', 1],
        ['an array of the first choice', [first]],
      ];
    }
    case 'literal':
      return [...common, ['another string', 'not-the-literal'], ['a number', 1]];
    case 'array': {
      // More items than any list of the contracts takes (100 at most), and far more.
      const max = 100;
      return [
        ['null', null],
        ['a string', 'x'],
        ['an object', { 0: 'x' }],
        ['a number', 1],
        ['an array of null', [null]],
        ['an array of a wrong type', [{}]],
        ['an array of a value not allowed', ['not-a-choice', -1]],
        ['an array of arrays', [[]]],
        [`${max + 1} items`, Array.from({ length: max + 1 }, (_, i) => i + 1)],
        ['10000 items', Array.from({ length: 10_000 }, () => 1)],
      ];
    }
    case 'object':
      return [
        ['null', null],
        ['a string', 'x'],
        ['an array', []],
        ['a number', 1],
        ['true', true],
      ];
    case 'union':
      return [
        ...common,
        ['a string', 'x'],
        ['an object of another type', { type: 'not-a-type' }],
        ['an object without its type', { profileId: 1 }],
        ['a type in capitals', { type: 'PROFILE', profileId: 1 }],
        ['the profile type without its id', { type: 'profile' }],
        ['the anonymous type with an id', { type: 'anonymous', profileId: 1 }],
      ];
  }
}

/** Well-formed ids that name nothing: past 32 bits, past PostgreSQL's integer, the largest safe. */
const unreachableIds: [string, number][] = [
  ['2**31', 2 ** 31],
  ['2**32', 2 ** 32],
  ['2**40', 2 ** 40],
  ['2**53 - 1', Number.MAX_SAFE_INTEGER],
];

// ---- queries and paths: text as a client may spell it ----------------------------------------

/** hono's decoding of a query or path part: `%xx` that do not decode are kept as written. */
function honoDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (match) => {
      try {
        return decodeURIComponent(match);
      } catch {
        return match;
      }
    });
  }
}

/** A key written without `=` (`?to`), which hono reads as an empty value. */
const NO_VALUE = '\u0001no-value';

/** A query as hono hands it to the validator: a value per key, or a list for repeated keys. */
function queryObject(pairs: [string, string][]): Record<string, string | string[]> {
  const lists: Record<string, string[]> = {};
  for (const [key, value] of pairs) {
    const name = honoDecode(key.replace(/\+/g, ' '));
    if (name === '') continue;
    lists[name] ??= [];
    lists[name].push(value === NO_VALUE ? '' : honoDecode(value.replace(/\+/g, ' ')));
  }
  return Object.fromEntries(
    Object.entries(lists).map(([k, v]) => [k, v.length === 1 ? (v[0] ?? '') : v]),
  );
}

const queryText = (pairs: [string, string][]) =>
  pairs.map(([k, v]) => (v === NO_VALUE ? k : `${k}=${v}`)).join('&');

/** A keyset cursor as the lists write theirs (base64url of JSON), holding what they never do. */
const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

const cursorValues: [string, string][] = [
  ['garbage', '!!!not-a-cursor!!!'],
  ['base64 junk', 'AAAAAAAA'],
  ['base64 padding only', '===='],
  ['slashes', '%2F%2F%2F%2F'],
  [
    'base64 of bytes that are not UTF-8',
    Buffer.from([0xff, 0xfe, 0x00, 0xc3]).toString('base64url'),
  ],
  ['base64 of text that is not JSON', Buffer.from('{not json').toString('base64url')],
  ['a forged empty list', forged([])],
  ['a forged object', forged({ id: 1 })],
  ['a forged null', forged(null)],
  ['a forged string', forged('x')],
  ['a forged list of null', forged([null, null])],
  ['a forged list of objects', forged([{}, {}])],
  ['a forged huge number', forged([1e308])],
  ['a forged negative number', forged([-1])],
  ['a forged fraction', forged([1.5])],
  ['a forged 2**64', forged([2 ** 64])],
  ['a forged id beyond 32 bits', forged(['a', 2 ** 40])],
  ['a forged list too long', forged([1, 2, 3, 4, 5, 6, 7])],
  ['a forged nested list', forged([['x'], [1]])],
  ['a forged boolean', forged([true, false])],
  ['a forged long text', forged(['x'.repeat(250), 1])],
  ['a forged NUL', forged(['a\u0000b', 1])],
  ['a forged number as text', forged(['1', '1'])],
  ['401 characters', 'A'.repeat(401)],
  ['digits past 15', '9'.repeat(16)],
  ['the largest 15 digits', '9'.repeat(15)],
  ['zero', '0'],
  ['-1', '-1'],
];

/**
 * Cursors shaped as the lists' keys are (`[instant, id]`, `[name, id]`, `[id]`, …), holding
 * values no row has: past 32 bits, past the instants a Date holds, below zero, an empty name.
 */
const shapedCursors: [string, string][] = (() => {
  const shapes = ['n', 's', 'nn', 'sn', 'ns', 'ss', 'nnn', 'snn', 'nsn', 'ssn'];
  const values: [string, number, string][] = [
    ['2**31', 2 ** 31, ''],
    ['2**53 - 1', Number.MAX_SAFE_INTEGER, '\uffff'],
    ['-(2**53 - 1)', -Number.MAX_SAFE_INTEGER, 'zzzz'],
  ];
  return shapes.flatMap((shape) =>
    values.map(([label, n, text]): [string, string] => {
      const key = [...shape].map((k) => (k === 'n' ? n : text));
      const shown = [...shape].map((k) => (k === 'n' ? label : JSON.stringify(text)));
      return [`a forged [${shown.join(', ')}]`, forged(key)];
    }),
  );
})();

/**
 * What full-text and LIKE searches give meaning to (SQLite FTS5, PostgreSQL tsquery, `%` and
 * `_`), and text whose case folding changes its length: a search reads them as text.
 */
const searchTexts: [string, string][] = [
  ['a double quote', '%22'],
  ['two double quotes', '%22%22'],
  ['an unclosed quote', '%22abc'],
  ['a star', '*'],
  ['a prefix star', 'a*'],
  ['NEAR()', 'NEAR(a%20b)'],
  ['a trailing OR', 'a%20OR'],
  ['AND alone', 'AND'],
  ['NOT', 'NOT%20a'],
  ['a caret', '%5Ea'],
  ['a column filter', 'email%3Aa'],
  ['a column set', '%7Bname%20email%7D%3A%20a'],
  ['parentheses', '(a'],
  ['a minus', '-a'],
  ['a plus', '%2Ba'],
  ['a single quote', "o'brien"],
  ['a backslash', '%5C'],
  ['LIKE wildcards', '%25_%25'],
  ['tsquery operators', 'a%20%26%20!b%20%7C%20c%3A*'],
  ['a tsquery phrase', 'a%20%3C-%3E%20b'],
  ['a dotted capital I', '%C4%B0stanbul'],
  ['a ligature', '%EF%AC%80'],
  ['an emoji', '%F0%9F%98%80'],
  ['a zero-width space', '%E2%80%8B'],
  ['U+FFFF', '%EF%BF%BF'],
  ['200 stars', '*'.repeat(200)],
  ['100 words', 'a%20'.repeat(100)],
  ['200 dotted capital Is', '%C4%B0'.repeat(200)],
];

const numberTexts: [string, string][] = [
  ['-1', '-1'],
  ['0', '0'],
  ['1.5', '1.5'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['1e2', '1e2'],
  ['0x10', '0x10'],
  ['+5', '%2B5'],
  ['05', '05'],
  ['" 5 "', '%205%20'],
  ['2**31', String(2 ** 31)],
  ['2**32', String(2 ** 32)],
  ['2**53 + 1', '9007199254740993'],
  ['2**64', '18446744073709551616'],
  ['400 digits', '1'.repeat(400)],
  ['letters', 'abc'],
  ['true', 'true'],
  ['[]', '%5B%5D'],
];

const textValues = (max: number | undefined): [string, string][] => [
  ['an empty value', ''],
  ['only spaces', '%20%20%20'],
  ...(max !== undefined
    ? [[`${max + 1} characters`, 'x'.repeat(max + 1)] as [string, string]]
    : []),
  ['a NUL', '%00'],
  ['a NUL inside text', 'a%00b'],
  ['a lone surrogate (CESU-8)', '%ED%A0%80'],
  ['a lone "%"', '%'],
  ['"%zz"', '%zz'],
  ['a byte that is not UTF-8', '%FF'],
  ['an overlong "/"', '%C0%AF'],
];

const dateTexts: [string, string][] = [
  ['a date that does not exist', '2024-02-30T00%3A00%3A00Z'],
  ['a leap second', '2016-12-31T23%3A59%3A60Z'],
  ['a year beyond four digits', '%2B275760-09-13T00%3A00%3A00.000Z'],
  ['the year 0', '0000-01-01T00%3A00%3A00Z'],
  ['a bare date', '2024-01-01'],
  ['a time zone offset', '2024-01-01T00%3A00%3A00%2B02%3A00'],
  ['words', 'yesterday'],
];

/** The wrong texts a query field of this schema is sent. */
function badQueryValues(name: string, schema: z.ZodType): [string, string][] {
  const kind = kindOf(schema);
  const values = textValues(maxLengthOf(schema));
  if (name === 'cursor') return [...values, ...cursorValues, ...shapedCursors];
  if (['query', 'q', 'to'].includes(name)) return [...values, ...searchTexts];
  if (kind === 'number') return [...values, ...numberTexts];
  if (schema instanceof z.ZodString && schema.format === 'datetime') {
    return [...values, ...dateTexts];
  }
  if (kind === 'enum') {
    const first = Object.values(defOf(schema).entries ?? {})[0] ?? 'x';
    return [
      ...values,
      ['the first choice in capitals', first.toUpperCase()],
      ['the first choice with a space', `${first}%20`],
      ['a list of choices', `${first}%2C${first}`],
    ];
  }
  return [...values, ['a right-to-left override', 'abc%E2%80%AEdef']];
}

/** Path parameters as a client may spell them: each is written into the path as is. */
const pathValues: [string, string][] = [
  ['0', '0'],
  ['-1', '-1'],
  ['1.5', '1.5'],
  ['1e3', '1e3'],
  ['0x10', '0x10'],
  ['+1', '%2B1'],
  ['" 7"', '%207'],
  ['2**31', String(2 ** 31)],
  ['2**32 (beyond 32 bits)', String(2 ** 32)],
  ['2**53 - 1', String(Number.MAX_SAFE_INTEGER)],
  ['2**53 + 1', '9007199254740993'],
  ['2**64', '18446744073709551616'],
  ['400 digits', '1'.repeat(400)],
  ['letters', 'abc'],
  ['"null"', 'null'],
  ['%00', '%00'],
  ['a NUL inside', 'a%00b'],
  ['..', '..'],
  ['.', '.'],
  ['%2e%2e', '%2e%2e'],
  ['an encoded slash', 'a%2Fb'],
  ['an encoded slash alone', '%2F'],
  ['an encoded backslash', '..%5C..'],
  ['an encoded "?"', 'a%3Fb'],
  ['an encoded "#"', 'a%23b'],
  ['65 characters', 'x'.repeat(65)],
  ['257 characters', 'x'.repeat(257)],
  ['a 10000-character segment', 'x'.repeat(10_000)],
  ['a lone surrogate (CESU-8)', '%ED%A0%80'],
  ['a lone "%"', '%'],
  ['"%zz"', '%zz'],
  ['a byte that is not UTF-8', '%FF'],
  ['an encoded "%"', '%25'],
  ['a quote and SQL', "'%20OR%201%3D1--"],
  ['an empty segment', ''],
];

// ---- the routes: who calls each, and a valid input to spoil ---------------------------------

type Input = {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
};

/** Who is allowed to call each route: a demo person's email, or no one (anonymous). */
const callers: Record<RouteName, string | null> = {
  'health.live': null,
  'health.ready': null,
  'auth.jwks': null,
  'auth.signIn': null,
  'auth.signOut': 'owner@acme.test',
  'auth.session': 'owner@acme.test',
  'auth.jwt': 'owner@acme.test',
  'auth.sessions': 'owner@acme.test',
  'auth.revokeSession': 'owner@acme.test',
  'links.previewOneClick': null,
  'links.redeemOneClick': null,
  'links.previewLoginToken': null,
  'links.redeemLoginToken': null,
  'links.requestEmailLink': null,
  'impersonation.teamHandoff': 'admin@acme.test',
  'impersonation.operatorHandoff': 'root@onbehalf.test',
  'impersonation.exchange': 'admin@acme.test',
  'impersonation.leave': 'admin@acme.test',
  'account.accessHistory': 'owner@acme.test',
  'account.integrationAccess': 'owner@acme.test',
  'account.setImpersonationPreference': 'buyer@acme.test',
  'account.changePassword': 'buyer@acme.test',
  'account.credentials': 'owner@acme.test',
  'account.revokeCredential': 'owner@acme.test',
  'profiles.list': 'member@acme.test',
  'profiles.switchTo': 'member@acme.test',
  'team.members': 'owner@acme.test',
  'team.updateMember': 'owner@acme.test',
  'team.settings': 'owner@acme.test',
  'team.updateSettings': 'owner@acme.test',
  'orders.list': 'owner@acme.test',
  'orders.place': 'owner@acme.test',
  'invoices.list': 'owner@acme.test',
  'audit.list': 'root@onbehalf.test',
  'audit.export': 'root@onbehalf.test',
  'audit.verify': 'root@onbehalf.test',
  'audit.impersonation': 'root@onbehalf.test',
  'audit.teamList': 'owner@acme.test',
  'audit.teamExport': 'owner@acme.test',
  'audit.teamImpersonation': 'owner@acme.test',
  'sys.users': 'root@onbehalf.test',
  'sys.updateUser': 'root@onbehalf.test',
  'sys.setProfileRole': 'root@onbehalf.test',
  'sys.organizations': 'root@onbehalf.test',
  'sys.organizationSettings': 'root@onbehalf.test',
  'sys.updateOrganizationSettings': 'root@onbehalf.test',
  'sys.settings': 'root@onbehalf.test',
  'sys.updateSettings': 'root@onbehalf.test',
  'sys.outbox': 'root@onbehalf.test',
  'sys.provisionUser': 'root@onbehalf.test',
  'sys.emailSignInLink': 'root@onbehalf.test',
  'sys.oneClickLink': 'root@onbehalf.test',
  'loginTokens.list': 'root@onbehalf.test',
  'loginTokens.create': 'root@onbehalf.test',
  'loginTokens.subjects': 'root@onbehalf.test',
  'loginTokens.details': 'root@onbehalf.test',
  'loginTokens.remove': 'root@onbehalf.test',
  'apiKeys.list': 'root@onbehalf.test',
  'apiKeys.create': 'root@onbehalf.test',
  'apiKeys.revoke': 'root@onbehalf.test',
  // Test mode is open (no ONBEHALF_TEST_MODE_KEY): anyone may call it.
  'test.createOrganization': null,
  'test.createOperator': null,
  'test.mailbox': null,
  'test.clock': null,
  'test.advanceClock': null,
};

/**
 * A valid input for each route that takes one. Probes never send it as is: each spoils one
 * thing of it. What it names is harmless if a spoilt probe were carried out anyway (an active
 * user set active, a member kept a member), and ids that must name nothing name nothing.
 */
function starts(t: TestApp): Partial<Record<RouteName, Input>> {
  const ids = demoIds(t);
  const buyer = String(ids.userId('buyer@acme.test'));
  const buyerProfile = String(ids.profileId('buyer@acme.test'));
  const acme = ids.organizationId('Acme Corp');
  const reason = 'Checking an odd request';
  const tomorrow = new Date(t.clock.now() + 86_400_000).toISOString();
  return {
    'auth.signIn': { body: { email: 'buyer@acme.test', password: DEMO_PASSWORD } },
    'auth.sessions': { query: { limit: '10' } },
    'auth.revokeSession': { params: { id: 'no-such-session' } },
    'links.previewOneClick': { body: { userId: Number(buyer), hash: secret } },
    'links.redeemOneClick': { body: { userId: Number(buyer), hash: secret } },
    'links.previewLoginToken': { body: { token: secret } },
    'links.redeemLoginToken': { body: { token: secret } },
    'links.requestEmailLink': { body: { email: 'buyer@acme.test' } },
    'impersonation.teamHandoff': { params: { coworkerId: buyerProfile }, query: { reason } },
    'impersonation.operatorHandoff': {
      query: { userId: buyer, profileId: buyerProfile, reason, ticket: 'T-1' },
    },
    'impersonation.exchange': { params: { token: secret } },
    'account.accessHistory': { query: { limit: '10' } },
    'account.integrationAccess': { query: { limit: '10' } },
    'account.setImpersonationPreference': { body: { allowTeamImpersonation: true } },
    'account.changePassword': {
      body: { currentPassword: DEMO_PASSWORD, newPassword: 'another-password-1234' },
    },
    'account.credentials': { query: { limit: '10', heldBy: 'me' } },
    'account.revokeCredential': { params: { kind: 'one_click', id: '999999' } },
    'profiles.list': { query: { limit: '10', query: 'a' } },
    'profiles.switchTo': { body: { Id: ids.profileId('member@acme.test', 'Globex Inc') } },
    'team.members': { query: { limit: '10', query: 'a' } },
    'team.updateMember': {
      params: { profileId: buyerProfile },
      body: { role: 'member', permissions: ['orders:read', 'orders:create', 'invoices:read'] },
    },
    'team.updateSettings': {
      body: {
        impersonationEnabled: true,
        impersonationMaxMinutes: 30,
        selfServiceLinksEnabled: true,
        integrationsEnabled: true,
      },
    },
    'orders.list': { query: { limit: '10' } },
    'orders.place': { body: { sku: 'PAPER-A4', quantity: 1 } },
    'invoices.list': { query: { limit: '10' } },
    'audit.list': { query: { limit: '10', type: 'order.placed' } },
    'audit.export': { query: { format: 'csv', type: 'order.placed' } },
    'audit.impersonation': { params: { id: 'no-such-impersonation' }, query: { limit: '10' } },
    'audit.teamList': { query: { limit: '10', type: 'order.placed' } },
    'audit.teamExport': { query: { format: 'csv', type: 'order.placed' } },
    'audit.teamImpersonation': {
      params: { id: 'no-such-impersonation' },
      query: { limit: '10' },
    },
    'sys.users': { query: { limit: '10', query: 'a' } },
    'sys.updateUser': { params: { id: buyer }, body: { status: 'active', reason } },
    'sys.setProfileRole': { params: { id: buyerProfile }, body: { role: 'member', reason } },
    'sys.organizations': { query: { query: 'a' } },
    'sys.organizationSettings': { params: { id: String(acme) } },
    'sys.updateOrganizationSettings': {
      params: { id: String(acme) },
      body: { impersonationMaxMinutes: 30 },
    },
    'sys.updateSettings': {
      body: {
        operatorImpersonation: { enabled: true, maxMinutes: 30 },
        oneClick: { defaultMinutes: 15, maxMinutes: 60 },
        loginTokens: { maxDays: 30 },
        selfServiceLinks: { enabled: true },
      },
    },
    'sys.outbox': { query: { limit: '10', query: 'buyer@acme.test' } },
    'sys.provisionUser': {
      body: {
        email: 'new.person@acme.test',
        name: 'New Person',
        organizationId: acme,
        role: 'member',
        sendWelcomeEmail: false,
      },
    },
    'sys.emailSignInLink': { params: { id: buyer }, body: { reason } },
    'sys.oneClickLink': {
      body: {
        userId: Number(buyer),
        expiresInMinutes: 15,
        delivery: 'handover',
        profileId: Number(buyerProfile),
        reason,
        ticket: 'T-1',
      },
    },
    'loginTokens.list': { query: { limit: '10', query: 'buyer', state: 'active' } },
    'loginTokens.create': {
      body: {
        subject: { type: 'profile', profileId: Number(buyerProfile) },
        expiresAt: tomorrow,
        oneTimeUse: true,
        extra: 'punch-out',
        use: 'integration',
        reason,
        ticket: 'T-1',
      },
    },
    'loginTokens.subjects': { query: { query: 'buyer' } },
    'loginTokens.details': { params: { id: '999999' }, query: { limit: '10' } },
    'loginTokens.remove': { params: { id: '999999' } },
    'apiKeys.list': { query: { limit: '10' } },
    'apiKeys.create': {
      body: {
        name: 'Punch-out',
        scopes: ['users:read'],
        organizationIds: [acme],
        expiresInDays: 30,
      },
    },
    'apiKeys.revoke': { params: { id: 'no-such-key' } },
    'test.createOrganization': {
      body: { name: 'Fuzzed Org', teamDoor: true, integrations: false, extraMembers: 0 },
    },
    'test.createOperator': { body: { role: 'support' } },
    'test.mailbox': { query: { to: 'buyer@acme.test', limit: '5' } },
    'test.advanceClock': { body: { advanceMs: 1000 } },
  };
}

/** A whole input, well formed, that the route must still refuse (or may answer). */
interface Odd {
  what: string;
  input: Input;
  expect: Expect;
}

/**
 * Inputs each schema takes that the handler must judge: a date long past or far ahead, an id of
 * the wrong kind of thing or of someone else's, a list naming one thing twice. Refusing them
 * (`nameless`) is the route's to do; a list naming one thing twice may be taken (`answered`).
 */
function oddInputs(t: TestApp): Partial<Record<RouteName, Odd[]>> {
  const ids = demoIds(t);
  const given = starts(t);
  const fromStart = (name: RouteName, change: (start: Input) => Input) => {
    const start = given[name] ?? {};
    return change(structuredClone(start));
  };
  const body = (name: RouteName, fields: Record<string, unknown>) =>
    fromStart(name, (start) => ({ ...start, body: { ...(start.body as object), ...fields } }));
  const param = (name: RouteName, params: Record<string, string>) =>
    fromStart(name, (start) => ({ ...start, params: { ...start.params, ...params } }));
  const query = (name: RouteName, fields: Record<string, string>) =>
    fromStart(name, (start) => ({ ...start, query: { ...start.query, ...fields } }));
  const iso = (ms: number) => new Date(ms).toISOString();
  const profile = (email: string, org?: string) => ids.profileId(email, org);
  return {
    'loginTokens.create': [
      {
        what: 'expiring yesterday',
        input: body('loginTokens.create', { expiresAt: iso(t.clock.now() - 86_400_000) }),
        expect: 'nameless',
      },
      {
        what: 'expiring now',
        input: body('loginTokens.create', { expiresAt: iso(t.clock.now()) }),
        expect: 'nameless',
      },
      {
        what: 'expiring in the year 0',
        input: body('loginTokens.create', { expiresAt: '0000-01-01T00:00:00Z' }),
        expect: 'nameless',
      },
      {
        what: 'expiring in the year 9999',
        input: body('loginTokens.create', { expiresAt: '9999-12-31T23:59:59.999Z' }),
        expect: 'nameless',
      },
      {
        what: 'for an owner, handed to an integration',
        input: body('loginTokens.create', {
          subject: { type: 'profile', profileId: profile('owner@acme.test') },
        }),
        expect: 'nameless',
      },
    ],
    'sys.oneClickLink': [
      {
        what: 'for an operator',
        input: body('sys.oneClickLink', {
          userId: ids.userId('ops@onbehalf.test'),
          profileId: undefined,
        }),
        expect: 'nameless',
      },
      {
        what: 'opening a profile of someone else',
        input: body('sys.oneClickLink', { profileId: profile('owner@acme.test') }),
        expect: 'nameless',
      },
      {
        what: 'for the caller',
        input: body('sys.oneClickLink', {
          userId: ids.userId('root@onbehalf.test'),
          profileId: undefined,
        }),
        expect: 'nameless',
      },
    ],
    'sys.emailSignInLink': [
      {
        what: 'to an operator',
        input: param('sys.emailSignInLink', { id: String(ids.userId('ops@onbehalf.test')) }),
        expect: 'nameless',
      },
    ],
    'sys.updateUser': [
      {
        what: 'a customer made superadmin',
        input: body('sys.updateUser', { operatorRole: 'superadmin' }),
        expect: 'nameless',
      },
    ],
    'sys.provisionUser': [
      {
        what: 'an address outside .test (a test database)',
        input: body('sys.provisionUser', { email: 'someone@example.com' }),
        expect: 'nameless',
      },
      {
        what: 'as an owner',
        input: body('sys.provisionUser', { role: 'owner' }),
        expect: 'nameless',
      },
    ],
    'team.updateMember': [
      {
        what: 'the caller themselves',
        input: param('team.updateMember', { profileId: String(profile('owner@acme.test')) }),
        expect: 'nameless',
      },
      {
        what: 'a member of another organization',
        input: param('team.updateMember', {
          profileId: String(profile('member@acme.test', 'Globex Inc')),
        }),
        expect: 'nameless',
      },
      {
        what: 'one permission twice',
        input: body('team.updateMember', { permissions: ['orders:read', 'orders:read'] }),
        expect: 'answered',
      },
    ],
    'profiles.switchTo': [
      {
        what: "someone else's profile",
        input: body('profiles.switchTo', { Id: profile('buyer@acme.test') }),
        expect: 'nameless',
      },
    ],
    'apiKeys.create': [
      {
        what: 'one organization twice',
        input: body('apiKeys.create', {
          organizationIds: [ids.organizationId('Acme Corp'), ids.organizationId('Acme Corp')],
        }),
        expect: 'answered',
      },
      {
        what: 'one scope twice',
        input: body('apiKeys.create', { scopes: ['users:read', 'users:read'] }),
        expect: 'answered',
      },
    ],
    'impersonation.teamHandoff': [
      {
        what: 'the caller themselves',
        input: param('impersonation.teamHandoff', {
          coworkerId: String(profile('admin@acme.test')),
        }),
        expect: 'nameless',
      },
      {
        what: 'the owner (upward)',
        input: param('impersonation.teamHandoff', {
          coworkerId: String(profile('owner@acme.test')),
        }),
        expect: 'nameless',
      },
      {
        what: 'a member of another organization',
        input: param('impersonation.teamHandoff', {
          coworkerId: String(profile('member@acme.test', 'Globex Inc')),
        }),
        expect: 'nameless',
      },
    ],
    'impersonation.operatorHandoff': [
      {
        what: 'the caller themselves',
        input: query('impersonation.operatorHandoff', {
          userId: String(ids.userId('root@onbehalf.test')),
          profileId: '',
        }),
        expect: 'nameless',
      },
      {
        what: "a profile that is not the user's",
        input: query('impersonation.operatorHandoff', {
          profileId: String(profile('owner@acme.test')),
        }),
        expect: 'nameless',
      },
    ],
    'audit.list': [
      {
        what: 'from after to',
        input: query('audit.list', { from: '2030-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' }),
        expect: 'answered',
      },
      {
        what: 'from the year 0 to 9999',
        input: query('audit.list', {
          from: '0000-01-01T00:00:00Z',
          to: '9999-12-31T23:59:59.999Z',
        }),
        expect: 'answered',
      },
      {
        what: 'every type, twice',
        input: query('audit.list', { type: 'order.placed,order.placed,order.placed' }),
        expect: 'answered',
      },
    ],
    'audit.export': [
      {
        what: 'from the year 0 to 9999',
        input: query('audit.export', {
          from: '0000-01-01T00:00:00Z',
          to: '9999-12-31T23:59:59.999Z',
        }),
        expect: 'answered',
      },
    ],
    'test.mailbox': [
      {
        what: 'an address that is only ".test"',
        input: query('test.mailbox', { to: 'a@.test' }),
        expect: 'answered',
      },
    ],
    'links.previewLoginToken': tokenIds.map(([what, id]) => ({
      what: `a token of id ${what}`,
      input: { body: { token: `${id}.${secret}` } },
      expect: 'answered',
    })),
    'links.redeemLoginToken': tokenIds.map(([what, id]) => ({
      what: `a token of id ${what}`,
      input: { body: { token: `${id}.${secret}` } },
      expect: 'nameless',
    })),
    'impersonation.exchange': [
      ['a hand-off of an impersonation that is none', `01ARZ3NDEKTSV4RRFFQ69G5FAV.${secret}`],
      ['a hand-off of the largest ULID', `7ZZZZZZZZZZZZZZZZZZZZZZZZZ.${secret}`],
    ].map(([what = '', token = '']) => ({
      what,
      input: { params: { token } },
      expect: 'nameless',
    })),
    'account.revokeCredential': [...tokenIds, ['letters', 'abc'] as const].map(([what, id]) => ({
      what: `a login token of id ${what}`,
      input: { params: { kind: 'login_token', id } },
      expect: 'nameless',
    })),
  };
}

/** A login token's secret, well formed (43 base64url characters). */
const secret = 'x'.repeat(43);

/** Ids a login token's text may spell (decimal, at most 16 digits) that name none. */
const tokenIds: (readonly [string, string])[] = [
  ['0', '0'],
  ['2**31', String(2 ** 31)],
  ['2**53 + 1', '9007199254740993'],
  ['16 nines (past the largest safe integer)', '9999999999999999'],
];

// ---- probes -----------------------------------------------------------------------------------

/**
 * What a probe must get:
 * - `refused`: the schema refuses it, or it is no request of the table: a 4xx, and nothing at
 *   all changes (it is refused before anything is done, the record of refusals included);
 * - `nameless`: well formed, naming nothing (an id beyond 32 bits): a 4xx, and nothing changes
 *   but the record of a refused attempt;
 * - `answered`: well formed, or input the route does not take (a query on a route without
 *   one): anything but a 5xx; refused, it changes nothing but the record of a refused attempt.
 */
type Expect = 'refused' | 'nameless' | 'answered';

interface Probe {
  what: string;
  method: string;
  path: string;
  query?: string;
  body?: string;
  headers?: Record<string, string>;
  expect: Expect;
  /** The codes that say what is wrong with it, where only those are clear. */
  codes?: readonly string[];
}

const JSON_TYPE = { 'content-type': 'application/json' };

function pathOf(route: RouteContract, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
}

const patternOf = (path: string) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`);
const table = Object.entries(routes as Record<string, RouteContract>) as [
  RouteName,
  RouteContract,
][];

/** The route of the table a request lands on once its URL is resolved (`..` and `.`), if any. */
function landsOn(method: string, path: string): RouteName | undefined {
  const { pathname } = new URL(`${ORIGIN}${path}`);
  // Literal paths before ones with parameters, as the router takes them.
  const sorted = [...table].sort(
    ([, a], [, b]) => (a.path.match(/\{/g) ?? []).length - (b.path.match(/\{/g) ?? []).length,
  );
  return sorted.find(
    ([, route]) => route.method.toUpperCase() === method && patternOf(route.path).test(pathname),
  )?.[0];
}

const previews = new Set<RouteName>(['links.previewOneClick', 'links.previewLoginToken']);

/** An input as a request: its path with the parameters in, its query and its body. */
function requestOf(route: RouteContract, input: Input) {
  const encoded = Object.entries(input.params ?? {}).map(([k, v]) => [k, encodeURIComponent(v)]);
  const pairs: [string, string][] = Object.entries(input.query ?? {})
    .filter(([, v]) => v !== '')
    .map(([k, v]) => [k, encodeURIComponent(v)]);
  return {
    method: route.method.toUpperCase(),
    path: pathOf(route, Object.fromEntries(encoded)),
    ...(pairs.length > 0 ? { query: queryText(pairs) } : {}),
    ...(input.body !== undefined ? { body: jsonText(input.body), headers: JSON_TYPE } : {}),
  };
}

function probesOf(
  name: RouteName,
  route: RouteContract,
  start: Input,
  odd: Odd[],
  signedIn: boolean,
): Probe[] {
  const method = route.method.toUpperCase();
  const params = start.params ?? {};
  const path = pathOf(
    route,
    Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(v)])),
  );
  const startPairs: [string, string][] = Object.entries(start.query ?? {}).map(([k, v]) => [
    k,
    encodeURIComponent(v),
  ]);
  const startQuery = startPairs.length > 0 ? queryText(startPairs) : undefined;
  const startBody = start.body === undefined ? undefined : jsonText(start.body);
  const base = {
    method,
    path,
    ...(startQuery !== undefined ? { query: startQuery } : {}),
    ...(startBody !== undefined ? { body: startBody, headers: JSON_TYPE } : {}),
  };
  const probes: Probe[] = odd.map(({ what, input, expect }) => ({
    ...requestOf(route, input),
    what,
    expect,
  }));

  // A link's preview answers whether it works, 200 `invalid` for one that names nothing.
  const nameless: Expect = previews.has(name) ? 'answered' : 'nameless';

  // Each field of the body, spoilt one at a time.
  if (route.body && start.body !== undefined) {
    const schema = route.body;
    const judge = (text: string): Expect | null => {
      const parsed = parsedJson(text);
      return !parsed.ok || badBySchema(schema, parsed.value) ? 'refused' : null;
    };
    const sendBody = (what: string, text: string, expect: Expect) =>
      probes.push({ ...base, what, body: text, headers: JSON_TYPE, expect });
    for (const field of fieldsOf(schema)) {
      const at = `body.${field.path.join('.')}`;
      const variants: [string, unknown][] = [['missing', MISSING], ...badJsonValues(field.schema)];
      for (const [label, value] of variants) {
        const text = jsonText(withField(start.body, field.path, value));
        if (text === startBody) continue;
        const expect = judge(text);
        // A well-formed body would be carried out: only the ones that name nothing are sent.
        if (expect) sendBody(`${at} = ${label}`, text, expect);
      }
      if (isIdLike(field.schema)) {
        for (const [label, id] of unreachableIds) {
          const text = jsonText(withField(start.body, field.path, id));
          sendBody(`${at} = ${label}`, text, judge(text) ?? nameless);
        }
      }
      if (kindOf(field.schema) === 'array' && defOf(field.schema).element) {
        const element = unwrap(defOf(field.schema).element as z.ZodType).schema;
        if (isIdLike(element)) {
          for (const [label, id] of unreachableIds) {
            const text = jsonText(withField(start.body, field.path, [id]));
            sendBody(`${at} = [${label}]`, text, judge(text) ?? nameless);
          }
        }
      }
      // An object inside the body refuses fields it does not name, too (ADR 042).
      if (kindOf(field.schema) === 'object' || kindOf(field.schema) === 'union') {
        const inner = withField(start.body, [...field.path, 'unknownField'], 1);
        const text = jsonText(inner);
        const expect = judge(text);
        if (expect) sendBody(`${at} with an unknown field`, text, expect);
      }
    }
    // The body as a whole. As JSON, what the schema takes is not sent: it would be carried out
    // (a leading byte-order mark is one: decoding the body as UTF-8 drops it, as fetch does).
    const first = fieldsOf(schema)[0]?.path[0] ?? 'x';
    const open = startBody?.slice(0, -1) ?? '{';
    const asJson: [string, string][] = [
      ['an empty body', ''],
      ['a body cut short', open],
      ['a body that is not JSON', 'not json'],
      ['a JSON array', '[]'],
      ['the fields in a JSON array', `[${startBody}]`],
      ['a JSON number', '1'],
      ['a JSON string', '"x"'],
      ['JSON null', 'null'],
      ['JSON true', 'true'],
      ['two JSON objects', `${startBody}${startBody}`],
      ['JSON nested 20000 deep', `${'['.repeat(20_000)}${']'.repeat(20_000)}`],
      ['a field nested 10000 deep', `{"${first}":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
      ['a body of 1 MB', jsonText({ ...(start.body as object), padding: oneMegabyte })],
      ['an unknown field', jsonText({ ...(start.body as object), unknownField: 1 })],
      ['a "__proto__" field', `${open},"__proto__":{"isAdmin":true,"role":"owner"}}`],
      ['a "constructor" field', `${open},"constructor":{"prototype":{"isAdmin":true}}}`],
      ['a field named with a NUL', `${open},"a\\u0000":1}`],
      ['a field named with a lone surrogate', `${open},"\\ud800":1}`],
      ['a field with an empty name', `${open},"":1}`],
      [`"${first}" again, as null`, `${open},"${first}":null}`],
    ];
    for (const [what, text] of asJson) {
      const expect = judge(text);
      if (expect) sendBody(what, text, expect);
    }
    // Not sent as JSON: refused as such (415), however good the JSON.
    const notJson = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'];
    for (const type of [...notJson, undefined]) {
      probes.push({
        ...base,
        what: `the JSON ${type ? `as ${type}` : 'with no content type'}`,
        body: startBody ?? '',
        headers: type ? { 'content-type': type } : {},
        expect: 'refused',
        codes: ['unsupported_media_type'],
      });
    }
    // Text that is no JSON, under types that say JSON, or almost: refused as not JSON, or as
    // not sent as JSON, never read as an empty body. Media types are case-insensitive and take
    // spaces around ";" (RFC 9110 §8.3.1, §5.6.6).
    for (const type of [
      'APPLICATION/JSON',
      'Application/Json',
      'application/json ; charset=utf-8',
      'application/json;charset=utf-8',
      'application/json; charset=utf-16',
      'application/vnd.example+json',
      'application/json-seq',
      'application/jsonx',
    ]) {
      probes.push({
        ...base,
        what: `text that is not JSON as ${type}`,
        body: 'not json',
        headers: { 'content-type': type },
        expect: 'refused',
        codes: ['malformed_json', 'unsupported_media_type'],
      });
    }
    probes.push({
      ...base,
      what: 'a Content-Length past the limit',
      headers: { ...JSON_TYPE, 'content-length': String(10 * MB) },
      expect: 'refused',
    });
  } else if (method !== 'GET') {
    // A route that takes no body: one is not for it. Not JSON, it is refused (415); JSON, the
    // route may ignore it.
    probes.push(
      {
        ...base,
        what: 'a body as text/plain',
        body: 'hello',
        headers: { 'content-type': 'text/plain' },
        expect: 'refused',
      },
      {
        ...base,
        what: 'a JSON body',
        body: '{"unknownField":1}',
        headers: JSON_TYPE,
        expect: 'answered',
      },
      {
        ...base,
        what: 'a body that is not JSON',
        body: 'not json',
        headers: JSON_TYPE,
        expect: 'answered',
      },
      {
        ...base,
        what: 'a body of 1 MB',
        body: jsonText({ padding: oneMegabyte }),
        headers: JSON_TYPE,
        expect: 'refused',
      },
    );
  }

  // Each field of the query, spoilt one at a time, and the query as a whole.
  if (route.query) {
    const schema = route.query;
    const judge = (pairs: [string, string][]): Expect =>
      badBySchema(schema, queryObject(pairs)) ? 'refused' : 'answered';
    const sendQuery = (what: string, pairs: [string, string][]) =>
      probes.push({ ...base, what, query: queryText(pairs), expect: judge(pairs) });
    const others = (name: string) => startPairs.filter(([k]) => k !== name);
    for (const field of fieldsOf(schema)) {
      const [name] = field.path;
      if (name === undefined || field.path.length > 1) continue;
      const at = `?${name}`;
      if (startPairs.some(([k]) => k === name)) sendQuery(`${at} missing`, others(name));
      for (const [label, value] of badQueryValues(name, field.schema)) {
        sendQuery(`${at} = ${label}`, [...others(name), [name, value]]);
      }
      sendQuery(`${at} with no "="`, [...others(name), [name, NO_VALUE]]);
      sendQuery(`${at} twice`, [...others(name), [name, 'a'], [name, 'b']]);
      sendQuery(`${at}[] (bracket syntax)`, [...others(name), [`${name}%5B%5D`, '1']]);
      sendQuery(`${at}[x] (nested syntax)`, [...others(name), [`${name}%5Bx%5D`, '1']]);
      if (isIdLike(field.schema)) {
        for (const [label, id] of unreachableIds) {
          sendQuery(`${at} = ${label}`, [...others(name), [name, String(id)]]);
        }
      }
    }
    sendQuery('?limit twice', [...others('limit'), ['limit', '1'], ['limit', '2']]);
    sendQuery('an unknown key', [...startPairs, ['unknownField', '1']]);
    sendQuery('a key with a NUL', [...startPairs, ['%00', '1']]);
    sendQuery('a key that is a lone surrogate', [...startPairs, ['%ED%A0%80', '1']]);
    sendQuery('an unknown key of 1 MB', [...startPairs, [oneMegabyte, '1']]);
    sendQuery('an empty key', [...startPairs, ['', 'x']]);
    probes.push({ ...base, what: 'a query of only "&"', query: '&&&&', expect: 'answered' });
  } else {
    probes.push({
      ...base,
      what: 'a query the route does not take',
      query: 'unknownField=1',
      expect: 'answered',
    });
  }

  // Each path parameter, spelt wrong one at a time.
  for (const param of Object.keys(params)) {
    const schema = route.params;
    if (!schema) continue;
    for (const [label, value] of pathValues) {
      const spelt = pathOf(
        route,
        Object.fromEntries(
          Object.entries(params).map(([k, v]) => [k, k === param ? value : encodeURIComponent(v)]),
        ),
      );
      const lands = landsOn(method, spelt);
      const decoded = { ...params, [param]: honoDecode(value) };
      const expect: Expect =
        lands !== name ? 'answered' : badBySchema(schema, decoded) ? 'refused' : 'nameless';
      probes.push({
        ...base,
        what: `path {${param}} = ${label}${lands !== name ? ` (lands on ${lands ?? 'no route'})` : ''}`,
        path: spelt,
        expect: lands === undefined ? 'refused' : expect,
      });
    }
  }

  // The path spelt another way: the same route, or none; never one around the route's guards.
  // Sent spoilt (a field the route does not name), so that routed it is refused all the same.
  const spoilt =
    route.body && start.body !== undefined
      ? { body: jsonText({ ...(start.body as object), unknownField: 1 }), headers: JSON_TYPE }
      : route.query
        ? { query: queryText([...startPairs, ['unknownField', '1']]) }
        : {};
  const spelt: [string, string][] = [
    ['with a trailing slash', `${path}/`],
    ['with a doubled slash', path.replace(/^\/([^/]+)\//, '/$1//')],
    ['in capitals', path.toUpperCase()],
    [
      'with a letter percent-encoded',
      path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`),
    ],
    ['with "/./" inside', path.replace(/\/([^/]+)$/, '/./$1')],
    ['with ";x=1" after it', `${path};x=1`],
  ];
  for (const [label, variant] of spelt) {
    probes.push({
      ...base,
      ...spoilt,
      path: variant,
      what: `the path ${label}`,
      expect: route.body || route.query ? 'refused' : 'answered',
    });
  }

  // Credentials that are none, instead of the caller's: refused where the route needs a caller
  // (the start's input is valid, so only the credentials are wrong); public routes answer.
  const credentials: [string, Record<string, string>][] = [
    ['an empty bearer token', { authorization: 'Bearer ' }],
    ['a bearer token of 10000 characters', { authorization: `Bearer ${'x'.repeat(10_000)}` }],
    [
      'an API key that is none',
      { authorization: `Bearer obk_${'a'.repeat(16)}_${'b'.repeat(43)}` },
    ],
    ['an API key prefix alone', { authorization: 'Bearer obk_' }],
    [
      'an unsigned JWT',
      { authorization: 'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.' },
    ],
    ['Basic credentials', { authorization: 'Basic cm9vdEBvbmJlaGFsZi50ZXN0OmRlbW8tcGFzc3dvcmQ=' }],
    ['two bearer tokens', { authorization: 'Bearer a, Bearer b' }],
    ['a session cookie of garbage', { cookie: 'ob_session=%FF%00%ZZ' }],
    ['a session cookie twice', { cookie: 'ob_session=a; ob_session=b' }],
  ];
  // Every route resolves credentials alike (middleware/session.ts): each route takes three of
  // them in turn, so that each is sent to routes of every kind of guard, not every route.
  const turn = table.findIndex(([n]) => n === name) * 3;
  const sampled = [0, 1, 2].map((i) => credentials[(turn + i) % credentials.length]);
  for (const [label, headers] of sampled.filter((c) => c !== undefined)) {
    probes.push({
      ...base,
      what: label,
      headers: { ...base.headers, ...headers },
      expect: signedIn ? 'nameless' : 'answered',
    });
  }

  // Another method on the route's path (none of the table's, or one the table has elsewhere).
  const declared = new Set(
    table.filter(([, r]) => patternOf(r.path).test(path)).map(([, r]) => r.method.toUpperCase()),
  );
  for (const other of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
    if (declared.has(other)) continue;
    probes.push({ method: other, path, what: `method ${other}`, expect: 'refused' });
  }
  return probes;
}

// ---- what changed -------------------------------------------------------------------------------

/** Tables whose every row is compared after a write: what one may change in place. */
const comparedTables = [
  'users',
  'organizations',
  'profiles',
  'settings',
  'impersonations',
  'oneClickLinks',
  'loginTokens',
  'apiKeys',
  'testClocks',
  'auditCheckpoints',
] as const;

/**
 * Every table's count, in one statement on either database: what a read may change (a read
 * writes rows, never changes one in place), and the record of attempts (login attempts, the
 * audit trail's repeat counters).
 */
const countedTables = [
  'users',
  'organizations',
  'profiles',
  'sessions',
  'impersonations',
  'one_click_links',
  'login_tokens',
  'api_keys',
  'orders',
  'invoices',
  'outbox_messages',
  'jobs',
  'test_clocks',
  'settings',
  'audit_checkpoints',
];
const countsQuery = sql.raw(
  `select ${[
    ...countedTables.map((name) => `(select count(*) from ${name}) as ${name}`),
    '(select count(*) from sessions where revoked_at is not null) as revoked_sessions',
    '(select count(*) from audit_events) as audit_events',
    '(select count(*) from login_attempts) as login_attempts',
    '(select coalesce(sum("count"), 0) from audit_repeats) as audit_repeats',
  ].join(', ')}`,
);

async function countsOf(t: TestApp): Promise<Record<string, number>> {
  const row =
    t.ts.dialect === 'sqlite'
      ? t.ts.db.get<Record<string, unknown>>(countsQuery)
      : (await t.ts.db.execute(countsQuery)).rows[0];
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** The audit events that record a refused attempt (SPEC §8b audits security refusals). */
const refusalEvents = new Set([
  'auth.sign_in.failed',
  'impersonation.refused',
  'impersonation.exchange_failed',
  'session.action_refused',
  'account.password_change_failed',
  'one_click.failed',
  'login_token.failed',
  'credential.refused',
  'audit.repeated',
  'test.refused',
]);

interface Snapshot {
  /** Each table's count, and after a write each compared table's rows, as JSON. */
  state: Map<string, string>;
  /** How many audit events there are. */
  events: number;
  /** The record of attempts besides the trail: login attempts and the repeat counters. */
  records: string;
}

/** What the database holds now: counts, and the rows a write may change when `rows`. */
async function snapshot(t: TestApp, rows: boolean): Promise<Snapshot> {
  await t.deps.background.idle();
  const [counts, compared, sessions] = await Promise.all([
    countsOf(t),
    rows
      ? Promise.all(
          comparedTables.map(async (name) => {
            const found: Record<string, unknown>[] = await rowsOf(t.ts, name);
            // An API key's use is noted on it (at most once a minute): not a change it made.
            const kept = found.map(({ lastUsedAt: _, ...rest }) => rest);
            return [name, JSON.stringify(name === 'apiKeys' ? kept : found)];
          }),
        )
      : [],
    rows ? rowsOf(t.ts, 'sessions') : [],
  ]);
  const {
    audit_events: events,
    login_attempts: attempts,
    audit_repeats: repeats,
    ...rest
  } = counts;
  const state = new Map<string, string>([
    ...Object.entries(rest).map(([k, v]): [string, string] => [k, String(v)]),
    ...(compared as [string, string][]),
  ]);
  if (rows) {
    // A request touches its own session (last seen, sliding expiry): not a change it made.
    const sessionState = sessions
      .map(({ lastSeenAt: _, expiresAt: __, ...rest }) => rest)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    state.set('sessions rows', JSON.stringify(sessionState));
  }
  return { state, events: events ?? 0, records: JSON.stringify([attempts, repeats]) };
}

/**
 * The reads the trail records whatever they find (SPEC §8b: "reads of the audit trail, its
 * exports and the outbox"): a read of an impersonation's report is recorded before it is looked
 * up, so one that names none is on the record too.
 */
const readEvents = new Set([
  'audit.read',
  'audit.exported',
  'outbox.read',
  'test.mailbox_read',
  'test.clock_read',
]);

/** What changed between two snapshots; the record of attempts left out when it is allowed. */
async function changes(
  t: TestApp,
  before: Snapshot,
  after: Snapshot,
  recordsAllowed: boolean,
): Promise<string[]> {
  const changed = [...after.state.keys()].filter((k) => before.state.get(k) !== after.state.get(k));
  if (after.events < before.events) changed.push('audit events removed');
  const newEvents =
    after.events > before.events
      ? (await rowsOf(t.ts, 'auditEvents')).slice(before.events).map((e) => e.type)
      : [];
  const unexpected = recordsAllowed
    ? newEvents.filter((e) => !refusalEvents.has(e) && !readEvents.has(e))
    : newEvents;
  if (unexpected.length > 0) changed.push(`audit events ${unexpected.join(', ')}`);
  if (!recordsAllowed && before.records !== after.records) {
    changed.push('login attempts or audit repeat counters');
  }
  return changed;
}

// ---- the run --------------------------------------------------------------------------------------

type Answer = { threw: string } | { status: number; text: string; json: unknown };

function answerOf(status: number, text: string): Answer {
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status, text, json };
}

async function send(t: TestApp, probe: Probe, token: string | null, name: RouteName) {
  const headers: Record<string, string> = { ...probe.headers };
  // A probe of the credentials sends its own instead of the caller's.
  if (token && !headers.authorization && !headers.cookie) headers.authorization = `Bearer ${token}`;
  if (name.startsWith('test.')) headers[TEST_CLOCK_HEADER] = 'bad-input';
  if (probe.body !== undefined) {
    headers['content-length'] ??= String(Buffer.byteLength(probe.body));
  }
  const url = `${ORIGIN}${probe.path}${probe.query !== undefined ? `?${probe.query}` : ''}`;
  try {
    const response = await t.app.request(url, {
      method: probe.method,
      headers,
      ...(probe.body !== undefined ? { body: probe.body } : {}),
    });
    return answerOf(response.status, await response.text());
  } catch (error) {
    return { threw: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** The error and warning lines the app logged, shortened to their message and where. */
function errorLines(raw: string[]): string[] {
  return raw.flatMap((line) => {
    const parsed = JSON.parse(line) as {
      level?: string;
      msg?: string;
      err?: { message?: string; stack?: string };
      route?: string;
      status?: number;
      code?: string;
    };
    if (parsed.level !== 'error' && parsed.level !== 'warn') return [];
    if (parsed.msg === 'request') {
      return [`logged a request answered ${parsed.status} ${parsed.code} on ${parsed.route}`];
    }
    const at = parsed.err?.stack
      ?.split('\n')
      .find((l) => l.includes('/apps/bff/src/') || l.includes('/packages/'))
      ?.trim();
    return [`logged "${parsed.msg}": ${parsed.err?.message ?? ''}${at ? ` ${at}` : ''}`];
  });
}

const shorten = (text: string) => (text.length > 160 ? `${text.slice(0, 160)}…` : text);

/** What is wrong with how a probe was answered, and with what it changed; empty when nothing. */
async function judged(
  t: TestApp,
  probe: Pick<Probe, 'expect' | 'codes'>,
  answer: Answer,
  before: Snapshot,
  after: Snapshot,
): Promise<string[]> {
  if ('threw' in answer) return [`threw ${answer.threw}`];
  const problems: string[] = [];
  const { status } = answer;
  const refused = status >= 400 && status < 500;
  if (status >= 500) problems.push(`answered ${status}: ${shorten(answer.text)}`);
  else if (!refused && probe.expect !== 'answered') {
    problems.push(`accepted it: ${status} ${shorten(answer.text)}`);
  }
  if (refused) {
    const envelope = errorBody.safeParse(answer.json);
    if (!envelope.success) {
      problems.push(`refused ${status} without the error envelope: ${shorten(answer.text)}`);
    } else {
      const { code } = envelope.data.error;
      const catalogued = errorCatalogue[code].status;
      if (catalogued !== status) {
        problems.push(`refused ${status} with ${code}, which the catalogue says is ${catalogued}`);
      }
      if (probe.codes && !probe.codes.includes(code)) {
        problems.push(`refused ${status} ${code}, not ${probe.codes.join(' or ')}`);
      }
    }
  }
  if (refused || status >= 500) {
    const changed = await changes(t, before, after, probe.expect !== 'refused');
    if (changed.length > 0) {
      const code = (answer.json as { error?: { code?: string } } | undefined)?.error?.code;
      problems.push(`refused (${status} ${code}) yet changed ${changed.join('; ')}`);
    }
  }
  return problems;
}

type ErrorJson = { error?: { code?: string } } | undefined;

/** What a route's guards answer, before its input is validated. */
const guardCodes = new Set([
  'unauthenticated',
  'session_expired',
  'forbidden',
  'profile_required',
  'impersonation_restricted',
  'integration_restricted',
  'csrf_rejected',
  'test_key_required',
]);

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
    for (const [round, header] of rounds) {
      let i = 0;
      for (const [what, hash] of oddSecrets) {
        for (const [whose, userId] of userIds) {
          const body = { userId, hash };
          const bad = badBySchema(oneClick, body);
          i += 1;
          for (const name of ['links.previewOneClick', 'links.redeemOneClick'] as const) {
            const preview = name === 'links.previewOneClick';
            await probe.send(
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
          }
        }
      }
      for (const [what, token] of oddTokens) {
        const body = { token };
        const bad = badBySchema(loginToken, body);
        i += 1;
        for (const name of ['links.previewLoginToken', 'links.redeemLoginToken'] as const) {
          const preview = name === 'links.previewLoginToken';
          await probe.send(
            sentOf(
              `${round}: a login token ${what}`,
              name,
              { body },
              bad ? 'refused' : preview ? 'answered' : 'nameless',
              header(i),
              !bad && round !== 'all from one address' && !preview ? ['link_invalid'] : undefined,
            ),
          );
        }
      }
    }
    // The one address guessed past its budget; a real link opened from another still works.
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    await ops.sys.emailOneClickLink({ userId: buyer });
    const [, , userId, hash] = new URL(t.latestMail('buyer@acme.test').url ?? '').pathname.split(
      '/',
    );
    await probe.resync();
    const guessed = await probe.send(
      sentOf(
        'the real link, from the address that guessed',
        'links.redeemOneClick',
        { body: { userId: Number(userId), hash } },
        'nameless',
        [forwarded('198.51.100.99')],
        ['rate_limited'],
      ),
    );
    expect(statusOf(guessed)).toBe(429);
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
        const answer = await exchangeOn(port, request);
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

/** One raw HTTP/1.1 exchange on a connection of its own (the server closes it after). */
function exchangeOn(port: number, request: Buffer): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => {
      resolve({ threw: 'no answer within 10 s' });
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => resolve({ threw: `${error.name}: ${error.message}` }));
    socket.on('close', () => {
      const whole = Buffer.concat(chunks).toString('latin1');
      const split = whole.indexOf('\r\n\r\n');
      const head = whole.slice(0, split);
      let body = whole.slice(split + 4);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      if (/^transfer-encoding:\s*chunked/im.test(head)) {
        let rest = body;
        body = '';
        for (;;) {
          const line = rest.indexOf('\r\n');
          const size = Number.parseInt(rest.slice(0, line), 16);
          if (!size) break;
          body += rest.slice(line + 2, line + 2 + size);
          rest = rest.slice(line + 2 + size + 2);
        }
      }
      resolve(answerOf(status, Buffer.from(body, 'latin1').toString('utf8')));
    });
    socket.write(request);
  });
}
