import type { ApiClient } from '@onbehalf/api-client/client';
import type { AuditEventType } from '@onbehalf/contracts/audit';
import { profileRolePresets } from '@onbehalf/contracts/permissions';
import { routes } from '@onbehalf/contracts/routes';
import {
  TEST_CLOCK_HEADER,
  TEST_CLOCK_MAX_LENGTH,
  TEST_KEY_HEADER,
} from '@onbehalf/contracts/test-mode';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../env.ts';
import { countOf, insertRow, rowsWhere, updateRows } from '../../store/test-rows.ts';
import { createTestApp, outcomeOf, refusal } from '../../test/harness.ts';

/** Every route of test mode, called as a QA suite would. */
const testRoutes = (client: ApiClient) => ({
  'test.createOrganization': () => client.test.createOrganization(),
  'test.createOperator': () => client.test.createOperator(),
  'test.mailbox': () => client.test.mailbox('a@b.test'),
  'test.clock': () => client.test.clock(),
  'test.advanceClock': () => client.test.advanceClock(1000),
});

it('the calls above are every route under /api/test', () => {
  const underTest = Object.entries(routes)
    .filter(([, route]) => route.path.startsWith('/api/test/'))
    .map(([name]) => name);
  expect(Object.keys(testRoutes({} as ApiClient)).sort()).toEqual(underTest.sort());
});

describe('outside test mode', () => {
  it('every /api/test path is 404, as any unknown path', async () => {
    const t = await createTestApp();
    for (const [name, call] of Object.entries(testRoutes(t.client()))) {
      expect(await refusal(call()), name).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  it('a database test mode ran on takes no one outside .test, though this process is not in test mode', async () => {
    const t = await createTestApp();
    await t.deps.store.testMode.markTestDatabase(t.clock.now());
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    const person = (email: string) => ({ email, name: 'New Person', organizationId: 1 });
    const before = (await rowsWhere(t.ts, 'users', {})).length;
    const refused = await refusal(ops.sys.provisionUser(person('new.person@customer.example.com')));
    expect(refused).toMatchObject({ status: 422, code: 'test_addresses_only' });
    expect((await rowsWhere(t.ts, 'users', {})).length).toBe(before);
    await expect(ops.sys.provisionUser(person('new.person@acme.test'))).resolves.toMatchObject({
      created: true,
    });
  });

  it('test mode with NODE_ENV=production is a start-up error that says why', () => {
    expect(() => loadEnv({ NODE_ENV: 'production', ONBEHALF_TEST_MODE: '1' })).toThrow(
      /ONBEHALF_TEST_MODE=1 .* refused with NODE_ENV=production/s,
    );
    expect(loadEnv({ NODE_ENV: 'test', ONBEHALF_TEST_MODE: '1' }).testMode).toBe(true);
  });
});

describe('in test mode with a key (ONBEHALF_TEST_MODE_KEY)', () => {
  const KEY = 'a-key-for-the-qa-team-only';
  const keyed = () =>
    createTestApp({ env: { ONBEHALF_TEST_MODE: '1', ONBEHALF_TEST_MODE_KEY: KEY } });

  it('every /api/test route refuses a caller without the key, or with another, and does nothing but audit it', async () => {
    const t = await keyed();
    const counts = async () => ({
      organizations: (await rowsWhere(t.ts, 'organizations', {})).length,
      users: (await rowsWhere(t.ts, 'users', {})).length,
      events: (await rowsWhere(t.ts, 'auditEvents', {})).filter((e) => e.type !== 'test.refused')
        .length,
    });
    // Signed in as a superadmin is no key either.
    const root = (await t.signIn('root@onbehalf.test')).token;
    const before = await counts();
    for (const client of [
      t.client(),
      t.client(undefined, { [TEST_KEY_HEADER]: `${KEY}x` }),
      t.client(undefined, { [TEST_KEY_HEADER]: '' }),
      t.client(root),
    ]) {
      for (const [name, call] of Object.entries(testRoutes(client))) {
        expect(await refusal(call()), name).toMatchObject({
          status: 401,
          code: 'test_key_required',
        });
      }
    }
    const refused = await rowsWhere(t.ts, 'auditEvents', { type: 'test.refused' });
    expect(await counts()).toEqual(before);
    // Audited as every call is (SPEC §12): the first of a minute per address and reason in
    // full, the rest counted.
    expect(refused.map((e) => e.details?.reason).sort()).toEqual(['no_key', 'wrong_key']);
    expect(refused.every((e) => e.actorUserId === null)).toBe(true);
    const clock = await t.client(undefined, { [TEST_KEY_HEADER]: KEY }).test.clock();
    expect(clock.offsetMs).toBe(0);
  });

  it('every /api/test route answers a caller with the key', async () => {
    const t = await keyed();
    const withKey = t.client(undefined, { [TEST_KEY_HEADER]: KEY, [TEST_CLOCK_HEADER]: 'mine' });
    for (const [name, call] of Object.entries(testRoutes(withKey))) {
      expect(await outcomeOf(call()), name).toBe('ok');
    }
  });

  it('a wrong key is a guess: slowed down per address like any other', async () => {
    const t = await createTestApp({
      env: { ONBEHALF_TEST_MODE: '1', ONBEHALF_TEST_MODE_KEY: KEY },
      rateLimits: true,
    });
    const wrong = t.client(undefined, { [TEST_KEY_HEADER]: 'not-the-key-at-all' });
    const outcomes: (string | number)[] = [];
    for (let i = 0; i < 40; i++) outcomes.push(await outcomeOf(wrong.test.clock()));
    expect(outcomes).toContain(429);
  });

  it('a key shorter than 16 characters is a start-up error', () => {
    expect(() =>
      loadEnv({ NODE_ENV: 'test', ONBEHALF_TEST_MODE: '1', ONBEHALF_TEST_MODE_KEY: 'short' }),
    ).toThrow(/ONBEHALF_TEST_MODE_KEY/);
  });
});

describe('in test mode', () => {
  const testMode = () => createTestApp({ env: { ONBEHALF_TEST_MODE: '1' }, rateLimits: false });
  const events = (t: Awaited<ReturnType<typeof testMode>>, type: AuditEventType) =>
    rowsWhere(t.ts, 'auditEvents', { type });

  it('makes a fresh organization whose people sign in with the passwords it returns', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    expect(org.members).toHaveLength(2);
    for (const persona of [org.owner, org.admin, ...org.members]) {
      const signedIn = await t
        .client()
        .auth.signIn({ email: persona.email, password: persona.password });
      expect(signedIn.session.activeProfile).toMatchObject({
        Id: persona.profileId,
        organization: { id: org.id, name: org.name },
      });
    }
    const admin = t.client((await t.signIn(org.admin.email, org.admin.password)).token);
    await expect(admin.impersonation.teamHandoff(org.members[0].profileId)).resolves.toBeDefined();
    const { settings } = await admin.team.settings();
    expect(settings).toMatchObject({
      impersonationEnabled: true,
      integrationsEnabled: false,
    });
    // Two organizations never share an address, a name or a password.
    const other = await t.client().test.createOrganization({});
    expect(other.owner.email).not.toBe(org.owner.email);
    expect(other.name).not.toBe(org.name);
    expect(other.owner.password).not.toBe(org.owner.password);
    expect(await events(t, 'test.organization_created')).toHaveLength(2);
  });

  it('gives each persona its role and exactly that role’s permissions: the admin is no owner, the members no admins', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    const personas = [
      ['owner', org.owner],
      ['admin', org.admin],
      ['member', org.members[0]],
      ['member', org.members[1]],
    ] as const;
    for (const [role, { email, password }] of personas) {
      const { session } = await t.client().auth.signIn({ email, password });
      expect(session.activeProfile?.role, email).toBe(role);
      expect([...session.permissions].sort(), email).toEqual([...profileRolePresets[role]].sort());
    }
  });

  it('sets the team door and integrations as asked', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({
      name: 'Closed Door Ltd',
      teamDoor: false,
      integrations: true,
    });
    const owner = await t.signIn(org.owner.email, org.owner.password);
    const { settings } = await t.client(owner.token).team.settings();
    expect(org.name).toBe('Closed Door Ltd');
    expect(settings).toMatchObject({
      impersonationEnabled: false,
      integrationsEnabled: true,
    });
  });

  it('adds extra members when asked, so lists have pages to turn and names to search', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({ extraMembers: 60 });
    const admin = await t.signIn(org.admin.email, org.admin.password);
    const team = t.client(admin.token).team;
    const first = await team.members({ limit: 50 });
    expect(first.members).toHaveLength(50);
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await team.members({ limit: 50, cursor: first.nextCursor ?? '' });
    expect(first.members.length + rest.members.length).toBe(64);
    expect(rest.nextCursor).toBeNull();
    const found = await team.members({ query: 'Member 042' });
    expect(found.members.map((m) => m.name)).toEqual(['Member 042']);
  });

  it('makes operators of the role asked for', async () => {
    const t = await testMode();
    const operator = await t.client().test.createOperator({ role: 'admin' });
    const signedIn = await t.signIn(operator.email, operator.password);
    expect(signedIn.session.user).toMatchObject({ kind: 'operator', operatorRole: 'admin' });
    expect(await events(t, 'test.operator_created')).toHaveLength(1);
  });

  it('reads an address’s mailbox with the links picked out, audited', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    await t.client().links.requestEmailLink(org.owner.email);
    await t.deps.background.idle();
    const { messages } = await t.client().test.mailbox(org.owner.email);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.subject).toBe('Your sign-in link');
    expect(message?.links).toEqual([
      expect.stringMatching(/^http:\/\/portal\.test\/one-click\/\d+\/[\w-]{43}$/),
    ]);
    expect(message?.text).toContain(message?.links[0]);
    expect(await events(t, 'test.mailbox_read')).toHaveLength(1);
  });

  it('reads an address’s mailbox however the address is written: it is looked up in lower case', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    await t.client().links.requestEmailLink(org.owner.email);
    await t.deps.background.idle();
    const { messages } = await t.client().test.mailbox(org.owner.email.toUpperCase());
    expect(messages.map((m) => m.subject)).toEqual(['Your sign-in link']);
    expect((await events(t, 'test.mailbox_read')).map((e) => e.details)).toEqual([
      { to: org.owner.email, messages: 1 },
    ]);
  });

  it('reads no mailbox when mail goes out over SMTP: the outbox holds none of what was sent', async () => {
    const t = await createTestApp({
      env: { ONBEHALF_TEST_MODE: '1', SMTP_URL: 'smtp://127.0.0.1:1' },
      rateLimits: false,
    });
    // Kept before the server was given SMTP: no longer what the address receives.
    await insertRow(t.ts, 'outboxMessages', {
      to: 'jane@example.test',
      from: 'noreply@onbehalf.test',
      subject: 'Your sign-in link',
      text: 'Open [link removed]',
      html: '<p>[link removed]</p>',
      kind: 'sign_in_link',
      sealed: null,
      createdAt: t.clock.now(),
    });
    const refused = await refusal(t.client().test.mailbox('jane@example.test'));
    expect(refused).toMatchObject({ status: 409, code: 'conflict' });
    expect(refused.message).toMatch(/SMTP/);
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'test.mailbox_read' })).toEqual([]);
  });

  it('reads no mailbox outside the reserved .test domain: not a real person’s mail', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    // A real customer's account on a server left in test mode.
    const real = 'owner@customer.example.com';
    await updateRows(t.ts, 'users', { email: real }, { id: org.owner.userId });
    await t.client().links.requestEmailLink(real);
    await t.deps.background.idle();
    const refused = await refusal(t.client().test.mailbox(real));
    expect(refused).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(refused.issues[0]?.path).toBe('to');
    // The stores' reading of `.test` (a domain under it), not the bare word.
    const bare = await refusal(t.client().test.mailbox('owner@test'));
    expect(bare).toMatchObject({ status: 400, code: 'validation_failed' });
    const inside = await refusal(t.client().test.mailbox('owner@mail.test.example.com'));
    expect(inside).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(await events(t, 'test.mailbox_read')).toHaveLength(0);
  });

  it('holds test people only: neither an operator nor an API key provisions a real address', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    const root = await t.client().test.createOperator({ role: 'superadmin' });
    const session = t.client((await t.signIn(root.email, root.password)).token);
    const { secret } = await session.apiKeys.create({
      name: 'Provisioning',
      scopes: ['users:provision'],
      organizationIds: [org.id],
    });
    const person = (email: string) => ({ email, name: 'New Person', organizationId: org.id });
    const users = async () => (await rowsWhere(t.ts, 'users', {})).length;
    const before = await users();
    for (const caller of [session, t.client(secret)]) {
      // `.test` must end the address: a real domain with it inside is not under it.
      for (const email of [
        'new.person@customer.example.com',
        'x@test.example.com',
        'x@mail.test.example.com',
      ]) {
        const refused = await refusal(caller.sys.provisionUser(person(email)));
        expect(refused, email).toMatchObject({ status: 422, code: 'test_addresses_only' });
      }
    }
    expect(await users()).toBe(before);
    expect(await events(t, 'user.provisioned')).toHaveLength(0);
    // Under .test, as every persona test mode makes: provisioned as anywhere else.
    const made = await t.client(secret).sys.provisionUser(person('new.person@example.test'));
    expect(made).toMatchObject({ created: true, user: { email: 'new.person@example.test' } });
    expect(await users()).toBe(before + 1);
  });

  it('moves the clock forward, so sessions and links expire without waiting', async () => {
    const t = await testMode();
    const mine = { [TEST_CLOCK_HEADER]: 'mine' };
    const org = await t.client(undefined, mine).test.createOrganization({});
    const { email, password } = org.members[0];
    const session = await t.client(undefined, mine).auth.signIn({ email, password });
    const before = await t.client(undefined, mine).test.clock();
    const moved = await t.client(undefined, mine).test.advanceClock(13 * 3_600_000);
    expect(Date.parse(moved.now) - Date.parse(before.now)).toBe(13 * 3_600_000);
    expect(moved.offsetMs - before.offsetMs).toBe(13 * 3_600_000);
    await expect(t.client(session.token ?? '', mine).auth.session()).rejects.toMatchObject({
      status: 401,
    });
    expect((await events(t, 'test.clock_advanced'))[0]?.details).toMatchObject({
      advanceMs: 13 * 3_600_000,
    });
    // Reading it is a call of test mode too: audited (SPEC §12).
    expect((await events(t, 'test.clock_read')).map((e) => e.details)).toEqual([
      { clock: expect.any(String), offsetMs: before.offsetMs },
    ]);
  });

  it('records a move of the clock at the time the moved clock shows', async () => {
    const t = await testMode();
    const mine = { [TEST_CLOCK_HEADER]: 'mine' };
    await t.client(undefined, mine).test.advanceClock(60_000);
    const moved = await t.client(undefined, mine).test.advanceClock(13 * 3_600_000);
    const [, second] = await events(t, 'test.clock_advanced');
    expect(second?.details).toMatchObject({ advanceMs: 13 * 3_600_000, offsetMs: moved.offsetMs });
    // After the move, on the test's clock: not the machine's time, nor the clock's before it.
    expect(second?.at).toBe(Date.parse(moved.now));
    expect(Date.parse(moved.now)).toBe(t.clock.now() + 60_000 + 13 * 3_600_000);
  });

  it('signs people in on a clock moved far past the machine’s: the cookie lives as long as the session', async () => {
    const t = await testMode();
    const mine = { [TEST_CLOCK_HEADER]: 'mine' };
    const org = await t.client().test.createOrganization({});
    // Past the 400 days a cookie's date may lie ahead of the machine's (two moves of 300 days).
    await t.client(undefined, mine).test.advanceClock(300 * 24 * 3_600_000);
    await t.client(undefined, mine).test.advanceClock(300 * 24 * 3_600_000);
    const res = await t.call('POST', '/api/public/auth/sign-in', {
      headers: mine,
      body: { email: org.members[0].email, password: org.members[0].password },
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/Max-Age=43200/);
    expect(cookie).not.toMatch(/Expires=/);
  });

  it('the shared clock never moves: a request naming no clock is refused, and nobody’s session ends', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    // Someone trying the portal on the shared clock, as a person without the kit does.
    const session = await t.signIn(org.members[0].email, org.members[0].password);
    await expect(t.client().test.advanceClock(13 * 3_600_000)).rejects.toMatchObject({
      status: 400,
      code: 'test_clock_required',
    });
    expect((await t.client().test.clock()).offsetMs).toBe(0);
    expect(await events(t, 'test.clock_advanced')).toEqual([]);
    expect((await t.client(session.token).auth.session()).session.user?.email).toBe(
      org.members[0].email,
    );
  });

  it('a clock name longer than a server takes is refused, and no clock is moved', async () => {
    const t = await testMode();
    const long = { [TEST_CLOCK_HEADER]: 'x'.repeat(TEST_CLOCK_MAX_LENGTH + 1) };
    await expect(t.client(undefined, long).test.advanceClock(1000)).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    expect(await countOf(t.ts, 'testClocks')).toBe(0);
    const longest = { [TEST_CLOCK_HEADER]: 'x'.repeat(TEST_CLOCK_MAX_LENGTH) };
    expect((await t.client(undefined, longest).test.advanceClock(1000)).offsetMs).toBe(1000);
  });

  it("a test's clock is its own: moving it never cuts short what runs on another", async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    // Each test's client sends its clock's name on everything, as the QA kit does.
    const mine = { [TEST_CLOCK_HEADER]: 'test-a' };
    const theirs = { [TEST_CLOCK_HEADER]: 'test-b' };
    const signIn = async (
      headers: Record<string, string>,
      persona: { email: string; password: string },
    ) => {
      const { email, password } = persona;
      return (await t.client(undefined, headers).auth.signIn({ email, password })).token;
    };
    const a = await signIn(mine, org.members[0]);
    const b = await signIn(theirs, org.members[1]);
    await t.client(undefined, mine).test.advanceClock(13 * 3_600_000);
    const session = (token: string | undefined, headers: Record<string, string>) =>
      t.client(token, headers).auth.session();
    await expect(session(a, mine)).rejects.toMatchObject({ status: 401 });
    await expect(session(b, theirs)).resolves.toBeDefined();
    expect((await t.client(undefined, theirs).test.clock()).offsetMs).toBe(0);
  });

  it('what was made on a clock ahead is not usable on one behind: no limit stretches by switching clocks', async () => {
    const t = await testMode();
    const org = await t.client().test.createOrganization({});
    const ahead = { [TEST_CLOCK_HEADER]: 'test-ahead' };
    const behind = { [TEST_CLOCK_HEADER]: 'test-behind' };
    // Further than an impersonation lasts, less than a session may idle.
    const AHEAD = 90 * 60_000;
    const signIn = async (
      headers: Record<string, string>,
      who: { email: string; password: string },
    ) =>
      (await t.client(undefined, headers).auth.signIn({ email: who.email, password: who.password }))
        .token;
    // Signed in on the clock behind: usable on both (time only moved forward for it).
    const adminBehind = await signIn(behind, org.admin);
    await t.client(undefined, ahead).test.advanceClock(AHEAD);
    const adminAhead = await signIn(ahead, org.admin);
    const member = org.members[0].profileId;

    // An impersonation started 90 minutes ahead: its 60 minutes would be 150 on the clock behind.
    const asAhead = t.client(adminAhead, ahead);
    const { token: handoff } = await asAhead.impersonation.teamHandoff(member);
    const { token: imp } = await asAhead.impersonation.exchange(handoff);
    const status = (token: string | undefined, headers: Record<string, string>) =>
      outcomeOf(t.client(token, headers).auth.session());
    expect(await status(imp, behind)).toBe(401);
    expect(await status(adminAhead, behind)).toBe(401);
    // Refused there, not ended: on its own clock it runs on.
    expect(await status(imp, ahead)).toBe('ok');
    expect(await status(adminAhead, ahead)).toBe('ok');
    expect(await rowsWhere(t.ts, 'impersonations', { endedAt: null })).toHaveLength(1);

    // A hand-off asked for on the clock ahead, exchanged on the clock behind.
    const late = await t.client(adminBehind, ahead).impersonation.teamHandoff(member);
    const exchanged = t.client(adminBehind, behind).impersonation.exchange(late.token);
    expect((await refusal(exchanged)).code).toBe('handoff_expired');

    // A sign-in link mailed on the clock ahead, used on the clock behind.
    await t.client(undefined, ahead).links.requestEmailLink(org.owner.email);
    await t.deps.background.idle();
    const [mail] = (await t.client().test.mailbox(org.owner.email)).messages;
    const [, userId, hash] = /\/one-click\/(\d+)\/([\w-]+)$/.exec(mail?.links[0] ?? '') ?? [];
    const link = { userId: Number(userId), hash: hash ?? '' };
    const redeemed = t.client(undefined, behind).links.redeemOneClick(link);
    expect((await refusal(redeemed)).code).toBe('link_expired');
    await expect(t.client(undefined, ahead).links.redeemOneClick(link)).resolves.toBeDefined();

    // A login token made on the clock ahead, used on the clock behind.
    const operator = await t.client().test.createOperator({ role: 'admin' });
    const ops = t.client(await signIn(behind, operator), ahead);
    const made = await ops.loginTokens.create({
      subject: { type: 'anonymous' },
      expiresAt: new Date(Date.parse((await ops.test.clock()).now) + 3_600_000).toISOString(),
    });
    const token = new URL(made.url).searchParams.get('token') ?? '';
    const used = t.client(undefined, behind).links.redeemLoginToken(token);
    expect((await refusal(used)).code).toBe('link_expired');
    await expect(t.client(undefined, ahead).links.redeemLoginToken(token)).resolves.toBeDefined();
  });

  it('refuses bad input with the usual envelope and changes nothing', async () => {
    const t = await testMode();
    const before = (await t.client().test.clock()).offsetMs;
    // Raw: most of these are bodies the typed client would not let a test send.
    const bad: [string, string, unknown?][] = [
      ['POST', '/api/test/clock', { advanceMs: -5 }],
      ['POST', '/api/test/clock', { advanceMs: 'soon' }],
      ['POST', '/api/test/clock', {}],
      ['POST', '/api/test/organizations', { name: 'x'.repeat(500) }],
      ['POST', '/api/test/organizations', { teamDoor: 'yes' }],
      ['POST', '/api/test/organizations', { extraMembers: 100_000 }],
      ['POST', '/api/test/operators', { role: 'emperor' }],
      ['GET', '/api/test/mailbox'],
    ];
    for (const [method, path, body] of bad) {
      const res = await t.call(method, path, body === undefined ? {} : { body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.error?.code).toBe('validation_failed');
    }
    expect((await t.client().test.clock()).offsetMs).toBe(before);
    expect(await events(t, 'test.organization_created')).toHaveLength(0);
  });
});
