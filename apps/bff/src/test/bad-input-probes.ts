import { connect } from 'node:net';
import { errorBody, errorCatalogue } from '@onbehalf/contracts/errors';
import { type RouteContract, type RouteName, routes } from '@onbehalf/contracts/routes';
import { TEST_CLOCK_HEADER } from '@onbehalf/contracts/test-mode';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { DEMO_PASSWORD } from '../store/demo.ts';
import { rowsOf } from '../store/test-rows.ts';
import { demoIds, jsonOf, ORIGIN, type TestApp } from './harness.ts';

/**
 * What the bad-input suites share (`features/bad-input.test.ts`, `bad-input-limited.test.ts`):
 * the route table's zod schemas walked into probes, a valid input per route to spoil, how a
 * probe is sent and judged, and what a probe may change (SPEC §8, §8b).
 */

// ---- the zod schemas, walked ---------------------------------------------------------------

/** The parts of a zod 4 schema's definition this file reads. */
export interface Def {
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
export const defOf = (schema: z.ZodType) => (schema as unknown as { def: Def }).def;

/** The schema a value is checked against once defaults, optionality and preprocessing are off. */
export function unwrap(schema: z.ZodType): { schema: z.ZodType; optional: boolean } {
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

export interface Field {
  path: string[];
  schema: z.ZodType;
  optional: boolean;
}

/** Every field of an object schema, nested ones too (each option of a union of objects). */
export function fieldsOf(schema: z.ZodType, path: string[] = []): Field[] {
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

export type Kind =
  | 'string'
  | 'number'
  | 'boolean'
  | 'enum'
  | 'literal'
  | 'array'
  | 'object'
  | 'union';

export function kindOf(schema: z.ZodType): Kind {
  const type = defOf(schema).type;
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'enum') return type;
  if (type === 'literal' || type === 'array' || type === 'object' || type === 'union') return type;
  return 'string';
}

/** Ids: positive integers up to the largest safe one (bodyId, numericId, organization ids). */
export function isIdLike(schema: z.ZodType): boolean {
  // Zod's public bounds: `positive()` reads as a minimum of 0, as `min(1)` reads as 1.
  return (
    schema instanceof z.ZodNumber &&
    schema.minValue !== null &&
    schema.minValue >= 0 &&
    (schema.maxValue ?? Number.POSITIVE_INFINITY) >= Number.MAX_SAFE_INTEGER
  );
}

/** The most characters a string schema takes, if it says. */
export const maxLengthOf = (schema: z.ZodType) =>
  schema instanceof z.ZodString ? (schema.maxLength ?? undefined) : undefined;

/** Text no database keeps as sent: a lone surrogate or a NUL, in a key or a value. */
export function wellFormed(value: unknown): boolean {
  if (typeof value === 'string') return value.isWellFormed() && !value.includes('\u0000');
  if (Array.isArray(value)) return value.every(wellFormed);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => wellFormed(k) && wellFormed(v));
  }
  return true;
}

/** As the server reads a query or body: fields the contract does not name are refused. */
export const strict = (schema: z.ZodType) =>
  schema instanceof z.ZodObject ? schema.strict() : schema;

/** Whether the route's own schema refuses the input (the server validates with it). */
export function badBySchema(schema: z.ZodType, value: unknown): boolean {
  const parsed = strict(schema).safeParse(value);
  return !parsed.success || !wellFormed(parsed.data);
}

// ---- bodies: JSON with numbers JSON.stringify cannot write ------------------------------------

/** A JSON token written as is: `1e999` (Infinity once parsed), `-0`, `NaN` (not JSON at all). */
export class RawJson {
  constructor(readonly text: string) {}
}

export function jsonText(value: unknown): string {
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

export function parsedJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A copy of `value` with `path` set to `to` (or removed, for `MISSING`). */
export const MISSING = Symbol('missing');
export function withField(value: unknown, path: string[], to: unknown): unknown {
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

export const MB = 1024 * 1024;
export const oneMegabyte = 'x'.repeat(MB);

/** The wrong values a body field of this schema is sent, each with a label for the report. */
export function badJsonValues(schema: z.ZodType): [string, unknown][] {
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
export const unreachableIds: [string, number][] = [
  ['2**31', 2 ** 31],
  ['2**32', 2 ** 32],
  ['2**40', 2 ** 40],
  ['2**53 - 1', Number.MAX_SAFE_INTEGER],
];

// ---- queries and paths: text as a client may spell it ----------------------------------------

/** hono's decoding of a query or path part: `%xx` that do not decode are kept as written. */
export function honoDecode(text: string): string {
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
export const NO_VALUE = '\u0001no-value';

/** A query as hono hands it to the validator: a value per key, or a list for repeated keys. */
export function queryObject(pairs: [string, string][]): Record<string, string | string[]> {
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

export const queryText = (pairs: [string, string][]) =>
  pairs.map(([k, v]) => (v === NO_VALUE ? k : `${k}=${v}`)).join('&');

/** A keyset cursor as the lists write theirs (base64url of JSON), holding what they never do. */
export const forged = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

export const cursorValues: [string, string][] = [
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
export const shapedCursors: [string, string][] = (() => {
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
export const searchTexts: [string, string][] = [
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

export const numberTexts: [string, string][] = [
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

export const textValues = (max: number | undefined): [string, string][] => [
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

export const dateTexts: [string, string][] = [
  ['a date that does not exist', '2024-02-30T00%3A00%3A00Z'],
  ['a leap second', '2016-12-31T23%3A59%3A60Z'],
  ['a year beyond four digits', '%2B275760-09-13T00%3A00%3A00.000Z'],
  ['the year 0', '0000-01-01T00%3A00%3A00Z'],
  ['a bare date', '2024-01-01'],
  ['a time zone offset', '2024-01-01T00%3A00%3A00%2B02%3A00'],
  ['words', 'yesterday'],
];

/** The wrong texts a query field of this schema is sent. */
export function badQueryValues(name: string, schema: z.ZodType): [string, string][] {
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
export const pathValues: [string, string][] = [
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

export type Input = {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
};

/** Who is allowed to call each route: a demo person's email, or no one (anonymous). */
export const callers: Record<RouteName, string | null> = {
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
export function starts(t: TestApp): Partial<Record<RouteName, Input>> {
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
export interface Odd {
  what: string;
  input: Input;
  expect: Expect;
}

/**
 * Inputs each schema takes that the handler must judge: a date long past or far ahead, an id of
 * the wrong kind of thing or of someone else's, a list naming one thing twice. Refusing them
 * (`nameless`) is the route's to do; a list naming one thing twice may be taken (`answered`).
 */
export function oddInputs(t: TestApp): Partial<Record<RouteName, Odd[]>> {
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
export const secret = 'x'.repeat(43);

/** Ids a login token's text may spell (decimal, at most 16 digits) that name none. */
export const tokenIds: (readonly [string, string])[] = [
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
export type Expect = 'refused' | 'nameless' | 'answered';

export interface Probe {
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

export const JSON_TYPE = { 'content-type': 'application/json' };

export function pathOf(route: RouteContract, params: Record<string, string>): string {
  return route.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');
}

export const patternOf = (path: string) => new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`);
export const table = Object.entries(routes as Record<string, RouteContract>) as [
  RouteName,
  RouteContract,
][];

/** The route of the table a request lands on once its URL is resolved (`..` and `.`), if any. */
export function landsOn(method: string, path: string): RouteName | undefined {
  const { pathname } = new URL(`${ORIGIN}${path}`);
  // Literal paths before ones with parameters, as the router takes them.
  const sorted = [...table].sort(
    ([, a], [, b]) => (a.path.match(/\{/g) ?? []).length - (b.path.match(/\{/g) ?? []).length,
  );
  return sorted.find(
    ([, route]) => route.method.toUpperCase() === method && patternOf(route.path).test(pathname),
  )?.[0];
}

export const previews = new Set<RouteName>(['links.previewOneClick', 'links.previewLoginToken']);

/** An input as a request: its path with the parameters in, its query and its body. */
export function requestOf(route: RouteContract, input: Input) {
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

export function probesOf(
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
export const comparedTables = [
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
export const countedTables = [
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
export const countsQuery = sql.raw(
  `select ${[
    ...countedTables.map((name) => `(select count(*) from ${name}) as ${name}`),
    '(select count(*) from sessions where revoked_at is not null) as revoked_sessions',
    '(select count(*) from audit_events) as audit_events',
    '(select count(*) from login_attempts) as login_attempts',
    '(select coalesce(sum("count"), 0) from audit_repeats) as audit_repeats',
  ].join(', ')}`,
);

export async function countsOf(t: TestApp): Promise<Record<string, number>> {
  const row =
    t.ts.dialect === 'sqlite'
      ? t.ts.db.get<Record<string, unknown>>(countsQuery)
      : (await t.ts.db.execute(countsQuery)).rows[0];
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

/** The audit events that record a refused attempt (SPEC §8b audits security refusals). */
export const refusalEvents = new Set([
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

export interface Snapshot {
  /** Each table's count, and after a write each compared table's rows, as JSON. */
  state: Map<string, string>;
  /** How many audit events there are. */
  events: number;
  /** The record of attempts besides the trail: login attempts and the repeat counters. */
  records: string;
}

/** What the database holds now: counts, and the rows a write may change when `rows`. */
export async function snapshot(t: TestApp, rows: boolean): Promise<Snapshot> {
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
export const readEvents = new Set([
  'audit.read',
  'audit.exported',
  'outbox.read',
  'test.mailbox_read',
  'test.clock_read',
]);

/** What changed between two snapshots; the record of attempts left out when it is allowed. */
export async function changes(
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

export type Answer = { threw: string } | { status: number; text: string; json: unknown };

export function answerOf(status: number, text: string): Answer {
  return { status, text, json: jsonOf(text) };
}

export async function send(t: TestApp, probe: Probe, token: string | null, name: RouteName) {
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
export function errorLines(raw: string[]): string[] {
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

export const shorten = (text: string) => (text.length > 160 ? `${text.slice(0, 160)}…` : text);

/** What is wrong with how a probe was answered, and with what it changed; empty when nothing. */
export async function judged(
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

export type ErrorJson = { error?: { code?: string } } | undefined;

/** What a route's guards answer, before its input is validated. */
export const guardCodes = new Set([
  'unauthenticated',
  'session_expired',
  'forbidden',
  'profile_required',
  'impersonation_restricted',
  'integration_restricted',
  'csrf_rejected',
  'test_key_required',
]);

/**
 * One raw HTTP/1.1 exchange on a connection of its own; the server closes it after. `goAway`: the
 * client closes its side once the request is written, as one that leaves mid-request does.
 */
export function rawExchange(port: number, request: Buffer, goAway = false): Promise<Answer> {
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
    // A client that goes away mid-request stops writing and closes its side.
    if (goAway) socket.end(request);
    else socket.write(request);
  });
}
