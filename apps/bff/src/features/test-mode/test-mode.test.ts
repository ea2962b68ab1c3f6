import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents } from '../../db/schema/audit-events.ts';
import { loadEnv } from '../../env.ts';
import { createTestApp } from '../../test/harness.ts';

const paths: [string, string, unknown?][] = [
  ['POST', '/api/test/organizations', {}],
  ['POST', '/api/test/operators', {}],
  ['GET', '/api/test/mailbox?to=a@b.test'],
  ['GET', '/api/test/clock'],
  ['POST', '/api/test/clock', { advanceMs: 1000 }],
];

describe('outside test mode', () => {
  it('every /api/test path is 404, as any unknown path', async () => {
    const t = await createTestApp();
    for (const [method, path, body] of paths) {
      const res = await t.call(method, path, body === undefined ? {} : { body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error.code).toBe('not_found');
    }
  });

  it('test mode with NODE_ENV=production is a start-up error that says why', () => {
    expect(() => loadEnv({ NODE_ENV: 'production', ONBEHALF_TEST_MODE: '1' })).toThrow(
      /ONBEHALF_TEST_MODE=1 .* refused with NODE_ENV=production/s,
    );
    expect(loadEnv({ NODE_ENV: 'test', ONBEHALF_TEST_MODE: '1' }).testMode).toBe(true);
  });
});

describe('in test mode', () => {
  const testMode = () => createTestApp({ env: { ONBEHALF_TEST_MODE: '1' }, rateLimits: false });
  const events = (t: Awaited<ReturnType<typeof testMode>>, type: string) =>
    t.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.type, type as never))
      .all();

  it('makes a fresh organization whose people sign in with the passwords it returns', async () => {
    const t = await testMode();
    const res = await t.call('POST', '/api/test/organizations', { body: {} });
    expect(res.status).toBe(201);
    const org = res.json;
    expect(org.members).toHaveLength(2);
    for (const persona of [org.owner, org.admin, ...org.members]) {
      const signedIn = await t.call('POST', '/api/public/auth/sign-in', {
        body: { email: persona.email, password: persona.password },
      });
      expect(signedIn.status).toBe(200);
      expect(signedIn.json.session.activeProfile).toMatchObject({
        Id: persona.profileId,
        organization: { id: org.id, name: org.name },
      });
    }
    const admin = await t.signIn(org.admin.email, org.admin.password);
    const door = await t.call(
      'GET',
      `/api/public/coworkers/${org.members[0].profileId}/impersonate`,
      {
        token: admin.token,
      },
    );
    expect(door.status).toBe(200);
    const settings = await t.call('GET', '/api/public/team/settings', { token: admin.token });
    expect(settings.json.settings).toMatchObject({
      impersonationEnabled: true,
      integrationsEnabled: false,
    });
    // Two organizations never share an address or a name.
    const other = (await t.call('POST', '/api/test/organizations', { body: {} })).json;
    expect(other.owner.email).not.toBe(org.owner.email);
    expect(other.name).not.toBe(org.name);
    expect(events(t, 'test.organization_created')).toHaveLength(2);
  });

  it('sets the team door and integrations as asked', async () => {
    const t = await testMode();
    const res = await t.call('POST', '/api/test/organizations', {
      body: { name: 'Closed Door Ltd', teamDoor: false, integrations: true },
    });
    const owner = await t.signIn(res.json.owner.email, res.json.owner.password);
    const settings = await t.call('GET', '/api/public/team/settings', { token: owner.token });
    expect(res.json.name).toBe('Closed Door Ltd');
    expect(settings.json.settings).toMatchObject({
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
    const res = await t.call('POST', '/api/test/operators', { body: { role: 'admin' } });
    expect(res.status).toBe(201);
    const signedIn = await t.signIn(res.json.email, res.json.password);
    expect(signedIn.session.user).toMatchObject({ kind: 'operator', operatorRole: 'admin' });
    expect(events(t, 'test.operator_created')).toHaveLength(1);
  });

  it('reads an address’s mailbox with the links picked out, audited', async () => {
    const t = await testMode();
    const org = (await t.call('POST', '/api/test/organizations', { body: {} })).json;
    await t.call('POST', '/api/public/auth/email-link', { body: { email: org.owner.email } });
    await t.deps.background.idle();
    const res = await t.call('GET', `/api/test/mailbox?to=${encodeURIComponent(org.owner.email)}`);
    expect(res.status).toBe(200);
    expect(res.json.messages).toHaveLength(1);
    const [message] = res.json.messages;
    expect(message.subject).toBe('Your sign-in link');
    expect(message.links).toEqual([
      expect.stringMatching(/^http:\/\/portal\.test\/one-click\/\d+\/[\w-]{43}$/),
    ]);
    expect(message.text).toContain(message.links[0]);
    expect(events(t, 'test.mailbox_read')).toHaveLength(1);
  });

  it('moves the clock forward, so sessions and links expire without waiting', async () => {
    const t = await testMode();
    const org = (await t.call('POST', '/api/test/organizations', { body: {} })).json;
    const session = await t.signIn(
      org.member ? org.member.email : org.members[0].email,
      org.members[0].password,
    );
    const before = (await t.call('GET', '/api/test/clock')).json;
    const moved = await t.call('POST', '/api/test/clock', { body: { advanceMs: 13 * 3_600_000 } });
    expect(moved.status).toBe(200);
    expect(Date.parse(moved.json.now) - Date.parse(before.now)).toBe(13 * 3_600_000);
    expect(moved.json.offsetMs - before.offsetMs).toBe(13 * 3_600_000);
    const now = await t.call('GET', '/api/public/auth/session', { token: session.token });
    expect(now.status).toBe(401);
    expect(events(t, 'test.clock_advanced')[0]?.details).toMatchObject({
      advanceMs: 13 * 3_600_000,
    });
  });

  it("a test's clock is its own: moving it never cuts short what runs on another", async () => {
    const t = await testMode();
    const org = (await t.call('POST', '/api/test/organizations', { body: {} })).json;
    const mine = { 'x-onbehalf-test-clock': 'test-a' };
    const theirs = { 'x-onbehalf-test-clock': 'test-b' };
    const signIn = (
      headers: Record<string, string>,
      persona: { email: string; password: string },
    ) =>
      t.call('POST', '/api/public/auth/sign-in', {
        headers,
        body: { email: persona.email, password: persona.password },
      });
    const a = (await signIn(mine, org.members[0])).json.token;
    const b = (await signIn(theirs, org.members[1])).json.token;
    await t.call('POST', '/api/test/clock', { headers: mine, body: { advanceMs: 13 * 3_600_000 } });
    const session = (token: string, headers: Record<string, string>) =>
      t.call('GET', '/api/public/auth/session', { token, headers });
    expect((await session(a, mine)).status).toBe(401);
    expect((await session(b, theirs)).status).toBe(200);
    expect((await t.call('GET', '/api/test/clock', { headers: theirs })).json.offsetMs).toBe(0);
  });

  it('refuses bad input with the usual envelope and changes nothing', async () => {
    const t = await testMode();
    const before = (await t.call('GET', '/api/test/clock')).json.offsetMs;
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
      expect(res.json.error.code).toBe('validation_failed');
    }
    expect((await t.call('GET', '/api/test/clock')).json.offsetMs).toBe(before);
    expect(events(t, 'test.organization_created')).toHaveLength(0);
  });
});
