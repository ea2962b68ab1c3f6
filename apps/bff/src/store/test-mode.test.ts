import type { Database } from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { databaseRefusal } from './database-refusals.ts';
import * as pg from './postgres/schema.ts';
import { connectionOf } from './sqlite/prepared.ts';
import { outboxMessages } from './sqlite/schema/outbox.ts';
import { onSeveralProcesses } from './test-processes.ts';
import { auditTrail, insertRow, linked, rowsOf, updateRows } from './test-rows.ts';
import { dialects, freshStore, type TestStore } from './test-stores.ts';

const meta = { ip: '203.0.113.7', userAgent: 'test-agent', requestId: 'r-1' };
const T0 = 1_700_000_000_000;
const system = { userId: null, kind: 'system' } as const;

async function insertMessage(ts: TestStore, to: string, subject: string, createdAt: number) {
  const values = {
    to,
    from: 'noreply@onbehalf.test',
    subject,
    text: `${subject}: [link removed]`,
    html: '<p>[link removed]</p>',
    kind: 'sign_in_link',
    sealed: `sealed ${subject}`,
    createdAt,
  };
  if (ts.dialect === 'sqlite') ts.db.insert(outboxMessages).values(values).run();
  else await ts.db.insert(pg.outboxMessages).values(values);
}

/** An operator with a real person's address, past the services' own check. */
const realOperator = {
  email: 'real.person@corp.example',
  name: 'Real Person',
  passwordHash: 'argon2-hash',
  operatorRole: 'superadmin' as const,
  audit: () => ({ type: 'user.provisioned' as const, at: T0, actor: system }),
  now: T0,
  meta,
};

const person = (slug: string) => ({
  email: `${slug}@example.test`,
  name: `Person ${slug}`,
  passwordHash: 'argon2-hash',
});

describe.each(dialects)('test mode on %s', (dialect) => {
  it('tells whether the database holds anyone outside the .test domain, in any case', async () => {
    const add = (ts: TestStore, email: string) =>
      insertRow(ts, 'users', { email, name: email, kind: 'customer', createdAt: T0 });
    const tests = await freshStore(dialect);
    await add(tests, 'solo@example.test');
    await add(tests, 'OPS@ONBEHALF.TEST');
    expect(await tests.store.testMode.markTestDatabase(T0)).toBe('marked');
    const real = await freshStore(dialect);
    await add(real, 'solo@example.test');
    // Looks like the reserved domain, is not.
    await add(real, 'jane@contest.testing.com');
    expect(await real.store.testMode.markTestDatabase(T0)).toBe('holds_real_accounts');
  });

  it('marks the database a test database for good, apart from the global settings', async () => {
    const ts = await freshStore(dialect);
    const settings = await ts.store.settings.read();
    expect(await ts.store.testMode.isTestDatabase()).toBe(false);
    expect(await ts.store.testMode.markTestDatabase(T0)).toBe('marked');
    // Every test-mode start marks it again: nothing changes.
    expect(await ts.store.testMode.markTestDatabase(T0 + 1)).toBe('marked');
    expect(await ts.store.testMode.isTestDatabase()).toBe(true);
    expect(await ts.store.settings.read()).toEqual(settings);
  });

  it('marks nothing where a real person has an account: someone@contest (no dot) is one too', async () => {
    for (const email of ['jane@corp.example', 'someone@contest']) {
      const ts = await freshStore(dialect);
      await insertRow(ts, 'users', { email, name: 'Jane', kind: 'customer', createdAt: T0 });
      expect(await ts.store.testMode.markTestDatabase(T0), email).toBe('holds_real_accounts');
      expect(await ts.store.testMode.isTestDatabase(), email).toBe(false);
    }
  });

  it('once marked, the database itself refuses a person outside .test, added or readdressed, as test_addresses_only', async () => {
    const ts = await freshStore(dialect);
    const tester = await insertRow(ts, 'users', {
      email: 'tester@example.test',
      name: 'Tester',
      kind: 'customer',
      createdAt: T0,
    });
    expect(await ts.store.testMode.markTestDatabase(T0)).toBe('marked');
    const refusalOf = (work: () => Promise<unknown>) =>
      work().then(
        () => null,
        (error: unknown) => databaseRefusal(error)?.code ?? error,
      );
    // Past the services' own check, as another process's or a command's write would be.
    expect(await refusalOf(() => ts.store.users.createOperator(realOperator))).toBe(
      'test_addresses_only',
    );
    const readdress = (email: string) => updateRows(ts, 'users', { email }, { id: tester.id });
    expect(await refusalOf(() => readdress('tester@corp.example'))).toBe('test_addresses_only');
    expect(await refusalOf(() => readdress('tester2@example.test'))).toBeNull();
    expect((await rowsOf(ts, 'users')).map((u) => u.email)).toEqual(['tester2@example.test']);
  });

  it('makes an organization with its people in the order asked, each with a profile, audited', async () => {
    const ts = await freshStore(dialect);
    const created = await ts.store.testMode.createOrganization({
      organization: { name: 'Test Org', impersonationEnabled: true, integrationsEnabled: false },
      members: [
        { ...person('owner'), role: 'owner', permissions: ['orders:read', 'team:settings'] },
        { ...person('member'), role: 'member', permissions: ['orders:read'] },
        { ...person('extra'), role: 'member', permissions: [] },
      ],
      audit: (organizationId) => ({
        type: 'test.organization_created',
        at: T0,
        actor: system,
        organizationId,
        details: { name: 'Test Org' },
      }),
      now: T0,
      meta,
    });

    const organization = (await rowsOf(ts, 'organizations')).find(
      (o) => o.id === created.organizationId,
    );
    expect(organization).toMatchObject({
      name: 'Test Org',
      kind: 'company',
      impersonationEnabled: true,
      integrationsEnabled: false,
    });
    const users = await rowsOf(ts, 'users');
    const profiles = await rowsOf(ts, 'profiles');
    expect(created.members).toHaveLength(3);
    const made = created.members.map(({ userId, profileId }) => ({
      user: users.find((u) => u.id === userId),
      profile: profiles.find((p) => p.id === profileId),
    }));
    expect(made.map((m) => [m.user?.email, m.profile?.role, m.profile?.permissions])).toEqual([
      ['owner@example.test', 'owner', ['orders:read', 'team:settings']],
      ['member@example.test', 'member', ['orders:read']],
      ['extra@example.test', 'member', []],
    ]);
    for (const { user, profile } of made) {
      expect(user).toMatchObject({
        kind: 'customer',
        operatorRole: null,
        passwordHash: 'argon2-hash',
        passwordChangedAt: T0,
      });
      expect(profile).toMatchObject({
        userId: user?.id,
        organizationId: created.organizationId,
        sortName: user?.name.toLowerCase(),
      });
    }
    const [event] = await auditTrail(ts);
    expect(event).toMatchObject({
      type: 'test.organization_created',
      organizationId: created.organizationId,
      actorUserId: null,
      ip: meta.ip,
      details: { name: 'Test Org' },
    });
  });

  if (dialect === 'sqlite') {
    it('writes a thousand extra members without building a statement per person', async () => {
      const ts = await freshStore('sqlite');
      const create = (tag: string) =>
        ts.store.testMode.createOrganization({
          organization: {
            name: `Org ${tag}`,
            impersonationEnabled: true,
            integrationsEnabled: false,
          },
          members: Array.from({ length: 1004 }, (_, i) => ({
            ...person(`${tag}-${i}`),
            role: 'member' as const,
            permissions: [],
          })),
          audit: (organizationId) => ({
            type: 'test.organization_created',
            at: T0,
            actor: system,
            organizationId,
            details: {},
          }),
          now: T0,
          meta,
        });
      await create('first');
      // Drizzle builds and SQLite prepares each statement it is given: one per person and
      // profile took 130-280 ms of the event loop. The second organization prepares only its
      // own row's insert.
      const connection = connectionOf(ts.db) as Database;
      const prepare = vi.spyOn(connection, 'prepare');
      const created = await create('second');
      expect(prepare.mock.calls).toEqual([[expect.stringMatching(/^insert into "organizations"/)]]);
      prepare.mockRestore();
      expect(new Set(created.members.map((m) => m.userId)).size).toBe(1004);
      const profiles = (await rowsOf(ts, 'profiles')).filter(
        (p) => p.organizationId === created.organizationId,
      );
      expect(
        profiles.map((p) => [p.id, p.userId]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0)),
      ).toEqual(created.members.map((m) => [m.profileId, m.userId]));
    });
  }

  it('makes an operator of the role asked for, audited with their id', async () => {
    const ts = await freshStore(dialect);
    const userId = await ts.store.testMode.createOperator({
      person: { ...person('ops'), operatorRole: 'admin' },
      audit: (id) => ({
        type: 'test.operator_created',
        at: T0,
        actor: system,
        subjectUserId: id,
        details: { role: 'admin', id },
      }),
      now: T0,
      meta,
    });
    const user = (await rowsOf(ts, 'users')).find((u) => u.id === userId);
    expect(user).toMatchObject({
      email: 'ops@example.test',
      kind: 'operator',
      operatorRole: 'admin',
    });
    const trail = await auditTrail(ts);
    expect(trail.map((e) => [e.type, e.details])).toEqual([
      ['test.operator_created', { role: 'admin', id: userId }],
    ]);
  });

  it('reads one address of the outbox, newest first, as many as asked', async () => {
    const ts = await freshStore(dialect);
    await insertMessage(ts, 'jane@acme.test', 'first', T0);
    await insertMessage(ts, 'john@acme.test', 'not hers', T0 + 1);
    await insertMessage(ts, 'jane@acme.test', 'second', T0 + 2);
    await insertMessage(ts, 'jane@acme.test', 'third', T0 + 3);

    const messages = await ts.store.testMode.mailbox('jane@acme.test', 2);
    expect(messages).toEqual([
      {
        subject: 'third',
        text: 'third: [link removed]',
        sealed: 'sealed third',
        createdAt: T0 + 3,
      },
      {
        subject: 'second',
        text: 'second: [link removed]',
        sealed: 'sealed second',
        createdAt: T0 + 2,
      },
    ]);
    expect(await ts.store.testMode.mailbox('nobody@acme.test', 10)).toEqual([]);
  });

  it('keeps each test clock’s offset: moves add up, however many at once, each audited', async () => {
    const ts = await freshStore(dialect);
    expect(await ts.store.testMode.clockOffset('test-a')).toBe(0);
    const move = (ms: number) =>
      ts.store.testMode.advanceClock({
        namespace: 'test-a',
        advanceMs: ms,
        audit: (offsetMs) => ({
          type: 'test.clock_advanced',
          at: T0 + offsetMs,
          actor: { userId: null, kind: 'system' },
          details: { advanceMs: ms, clock: 'test-a', offsetMs },
        }),
        meta,
      });
    const offsets = await Promise.all([move(1_000), move(2_000), move(4_000)]);
    expect([...offsets].sort((a, b) => a - b)).toEqual([
      expect.any(Number),
      expect.any(Number),
      7_000,
    ]);
    expect(await ts.store.testMode.clockOffset('test-a')).toBe(7_000);
    expect(await ts.store.testMode.clockOffset('test-b')).toBe(0);
    const moves = (await auditTrail(ts)).filter((e) => e.type === 'test.clock_advanced');
    expect(moves.map((e) => (e.details as { offsetMs: number }).offsetMs).sort()).toEqual(
      [...offsets].sort(),
    );
  });

  it('records the events of calls that change nothing else, each linked to the one before', async () => {
    const ts = await freshStore(dialect);
    for (const advanceMs of [1000, 2000]) {
      await ts.store.testMode.record({
        audit: { type: 'test.clock_advanced', at: T0, actor: system, details: { advanceMs } },
        meta,
      });
    }
    const trail = await auditTrail(ts);
    expect(trail.map((e) => e.details)).toEqual([{ advanceMs: 1000 }, { advanceMs: 2000 }]);
    expect(linked(trail)).toBe(true);
  });
});

describe('test mode on postgres, beside another process', () => {
  it('a test-mode start and the creation of a real person at once never leave both: the mark and that person', async () => {
    for (let round = 0; round < 5; round++) {
      const ts = await freshStore('postgres');
      const outcome = await onSeveralProcesses(ts, 2, async ([elsewhere, starting]) => {
        if (!elsewhere || !starting) throw new Error('two stores');
        const creating = elsewhere.users.createOperator(realOperator).then(
          () => 'created',
          (error: unknown) => databaseRefusal(error)?.code ?? String(error),
        );
        const marked = await starting.testMode.markTestDatabase(T0);
        return { marked, created: await creating };
      });
      const holdsReal = (await rowsOf(ts, 'users')).some((u) => !u.email.endsWith('.test'));
      const isTest = await ts.store.testMode.isTestDatabase();
      expect({ holdsReal, isTest }, JSON.stringify(outcome)).not.toEqual({
        holdsReal: true,
        isTest: true,
      });
      expect([
        { marked: 'marked', created: 'test_addresses_only' },
        { marked: 'holds_real_accounts', created: 'created' },
      ]).toContainEqual(outcome);
    }
  });
});
