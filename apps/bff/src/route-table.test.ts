import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RouteContract, routes } from '@onbehalf/contracts/routes';
import { describe, expect, it } from 'vitest';
import { createTestApp, demoIds } from './test/harness.ts';

type Operation = {
  summary?: string;
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};

const table = Object.entries(routes as Record<string, RouteContract>);
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/** The served OpenAPI document (test mode on, so /api/test/* is in it too). */
async function servedOperations() {
  const t = await createTestApp({ env: { ONBEHALF_TEST_MODE: '1' } });
  const res = await t.call('GET', '/api/openapi.json');
  // Raw: the OpenAPI document is served beside the table, not in it.
  const { paths } = res.json as { paths: Record<string, Record<string, Operation>> };
  const operations = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      operations.set(key(method, path), operation);
    }
  }
  return { t, operations };
}

describe('one route table: the server serves exactly the table (SPEC §10)', () => {
  it('a search taken under its old name is documented as deprecated, beside `query` (ADR 045)', async () => {
    const { operations } = await servedOperations();
    const parameters = (operation: string) =>
      (operations.get(operation) as { parameters?: Record<string, unknown>[] } | undefined)
        ?.parameters ?? [];
    for (const [operation, oldName] of [
      ['GET /api/sys/audit-events', 'q'],
      ['GET /api/sys/audit-events/export', 'q'],
      ['GET /api/public/team/audit-events', 'q'],
      ['GET /api/public/team/audit-events/export', 'q'],
      ['GET /api/sys/outbox', 'to'],
    ] as const) {
      const named = (name: string) => parameters(operation).find((p) => p.name === name);
      expect(named('query'), operation).toBeDefined();
      expect(JSON.stringify(named(oldName)), operation).toMatch(/"deprecated":true/);
      expect(JSON.stringify(named('query')), operation).not.toMatch(/deprecated/);
    }
  });

  it('every route of the table is served, and nothing else is', async () => {
    const { operations } = await servedOperations();
    const fromTable = table.map(([, route]) => key(route.method, route.path)).sort();
    expect([...operations.keys()].sort()).toEqual(fromTable);
    // Two names for one endpoint would let the client and the server disagree silently.
    expect(new Set(fromTable).size).toBe(fromTable.length);
  });

  it("each served route documents the table's summary, input and answers", async () => {
    const { operations } = await servedOperations();
    for (const [name, route] of table) {
      const operation = operations.get(key(route.method, route.path));
      expect(operation, name).toBeDefined();
      if (!operation) continue;
      expect(operation.summary, name).toBe(route.summary);
      expect(operation.requestBody !== undefined, `${name} has a body`).toBe(
        route.body !== undefined,
      );
      const statuses = Object.keys(operation.responses).map(Number).sort();
      const expected = [
        ...Object.keys(route.responses).map(Number),
        ...(route.download ? [200] : []),
        ...route.errors,
      ].sort();
      expect(statuses, name).toEqual(expected);
      // An error status is answered with the error envelope, never the success schema.
      for (const status of route.errors) {
        const content = operation.responses[String(status)]?.content?.['application/json'];
        expect(JSON.stringify(content?.schema), `${name} ${status}`).toMatch(/error/);
      }
    }
  });

  it('every object a request body takes, at any depth, refuses fields it does not name; answers stay lenient (ADR 042)', async () => {
    const t = await createTestApp({ env: { ONBEHALF_TEST_MODE: '1' } });
    const doc = (await t.call('GET', '/api/openapi.json')).json as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, Schema> };
            responses?: Record<string, { content?: Record<string, Schema> }>;
          }
        >
      >;
      components?: { schemas?: Record<string, Schema> };
    };
    type Schema = Record<string, unknown> & { $ref?: string; schema?: Schema };
    const named = doc.components?.schemas ?? {};
    const resolved = (schema: Schema): Schema =>
      schema.$ref ? resolved(named[schema.$ref.split('/').pop() ?? ''] ?? {}) : schema;
    /** A schema with every reference in it replaced by what it names. */
    const resolvedDeep = (schema: unknown): unknown =>
      Array.isArray(schema)
        ? schema.map(resolvedDeep)
        : schema !== null && typeof schema === 'object'
          ? Object.fromEntries(
              Object.entries(resolved(schema as Schema)).map(([k, v]) => [k, resolvedDeep(v)]),
            )
          : schema;
    const lenient: string[] = [];
    const walk = (given: Schema, at: string) => {
      const schema = resolved(given);
      if (schema.type === 'object' || schema.properties) {
        if (schema.additionalProperties !== false) lenient.push(at);
        for (const [field, inner] of Object.entries(
          (schema.properties ?? {}) as Record<string, Schema>,
        )) {
          walk(inner, `${at}.${field}`);
        }
      }
      for (const choice of ['anyOf', 'oneOf', 'allOf'] as const) {
        for (const [i, inner] of ((schema[choice] ?? []) as Schema[]).entries()) {
          walk(inner, `${at}|${i}`);
        }
      }
      if (schema.items) walk(schema.items as Schema, `${at}[]`);
    };
    let bodies = 0;
    const answers: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const body = operation.requestBody?.content['application/json']?.schema;
        if (body) {
          bodies += 1;
          walk(body, key(method, path));
        }
        for (const [status, answer] of Object.entries(operation.responses ?? {})) {
          const schema = answer.content?.['application/json']?.schema;
          if (schema && status.startsWith('2')) answers.push(JSON.stringify(resolvedDeep(schema)));
        }
      }
    }
    expect(bodies).toBeGreaterThan(20);
    expect(lenient).toEqual([]);
    // Answers stay lenient: a client built against this version reads a newer server's.
    expect(answers.length).toBeGreaterThan(40);
    expect(answers.filter((answer) => answer.includes('"additionalProperties":false'))).toEqual([]);
  });

  it('path parameters of the table are the path parameters served', async () => {
    const { operations } = await servedOperations();
    for (const [name, route] of table) {
      const declared = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const served = (operations.get(key(route.method, route.path))?.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      expect(served, name).toEqual(declared);
    }
  });

  it('Hono routes nothing of the API outside the table (a route added by hand is caught)', async () => {
    const { t } = await servedOperations();
    const documented = new Set(table.map(([, route]) => key(route.method, honoPath(route.path))));
    // Besides the table: the OpenAPI document itself and the Prometheus text (not JSON API).
    const outside = new Set(['GET /api/openapi.json', 'GET /metrics']);
    const handled = t.app.routes
      .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/api/') || r.path === '/metrics'))
      .map((r) => key(r.method, r.path))
      .filter((k) => !outside.has(k));
    expect([...new Set(handled)].filter((k) => !documented.has(k))).toEqual([]);
  });
});

describe('ids in paths and queries are decimal digits, never read as another id', () => {
  /** Text a number parser reads as `id`: hexadecimal, exponent, leading zero, sign, spaces. */
  const lookalikes = (id: number) => [
    `0x${id.toString(16)}`,
    `${id}e0`,
    `0${id}`,
    `+${id}`,
    `${id}.0`,
    `%20${id}`,
    `${id}%20`,
    `0b${id.toString(2)}`,
  ];

  it('a path id: a superadmin disabling user 0x… or 07 is a 400 that disables no one', async () => {
    const t = await createTestApp();
    const root = (await t.signIn('root@onbehalf.test')).token;
    const member = await t.signIn('member@acme.test');
    const id = demoIds(t).userId('member@acme.test');
    const body = { status: 'disabled', reason: 'Left the company' };
    for (const text of lookalikes(id)) {
      const res = await t.call('PATCH', `/api/sys/users/${text}`, { token: root, body });
      expect([text, res.status, res.error?.code]).toEqual([text, 400, 'validation_failed']);
    }
    expect((await t.client(member.token).auth.session()).session.user?.email).toBe(
      'member@acme.test',
    );
    const plain = await t.call('PATCH', `/api/sys/users/${id}`, { token: root, body });
    expect(plain.status).toBe(200);
  });

  it('a query id: an audit filter or an operator impersonation of user 1e0 is a 400', async () => {
    const t = await createTestApp();
    const root = (await t.signIn('root@onbehalf.test')).token;
    const id = demoIds(t).userId('buyer@acme.test');
    const reason = `reason=${encodeURIComponent('Checking an order')}`;
    for (const text of lookalikes(id)) {
      const filtered = await t.call('GET', `/api/sys/audit-events?subjectUserId=${text}`, {
        token: root,
      });
      expect([text, filtered.status]).toEqual([text, 400]);
      const started = await t.call('GET', `/api/sys/users/impersonate?userId=${text}&${reason}`, {
        token: root,
      });
      expect([text, started.status, started.error?.code]).toEqual([text, 400, 'validation_failed']);
    }
    const plain = await t.call('GET', `/api/sys/audit-events?subjectUserId=${id}`, { token: root });
    expect(plain.status).toBe(200);
    const handoff = await t.call('GET', `/api/sys/users/impersonate?userId=${id}&${reason}`, {
      token: root,
    });
    expect(handoff.status).toBe(200);
  });
});

describe('the typed client and the QA kit are derived from the table', () => {
  it('no path of the API is written by hand in their sources', () => {
    const packages = join(import.meta.dirname, '../../../packages');
    for (const dir of ['api-client/src', 'testing/src']) {
      for (const file of readdirSync(join(packages, dir), { recursive: true })) {
        if (!String(file).endsWith('.ts')) continue;
        const source = readFileSync(join(packages, dir, String(file)), 'utf8');
        expect(source, `${dir}/${file}`).not.toMatch(/['"`]\/(api|\.well-known)\//);
      }
    }
  });
});

/** `{id}` in the table is `:id` in Hono. */
const honoPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
