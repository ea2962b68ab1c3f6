import { describe, expect, it } from 'vitest';
import { countOf, rowsWhere } from './store/test-rows.ts';
import { createTestApp, demoIds, outcomeOf } from './test/harness.ts';

/**
 * Input each database takes differently: an id beyond PostgreSQL's `integer` (SQLite's are
 * 64-bit) and text holding a NUL character (SQLite stores it, PostgreSQL's text cannot). Every
 * route that looks such a value up answers a clear 4xx on either database (SPEC §8b), never a
 * 500 from the database refusing the parameter.
 */
const BEYOND_INTEGER = 2 ** 40;
const WITH_NUL = 'a\u0000b';
const reason = 'Checking an odd request';

const isRefusal = (outcome: 'ok' | number) => typeof outcome === 'number' && outcome < 500;

describe('ids and text a database cannot hold', () => {
  it('ids beyond any integer column are "not found" (or refused), never a 500', async () => {
    const t = await createTestApp({ rateLimits: false });
    const root = t.client((await t.signIn('root@onbehalf.test')).token);
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const id = BEYOND_INTEGER;
    const outcomes = {
      updateUser: await outcomeOf(
        root.call('sys.updateUser', { params: { id }, body: { status: 'disabled', reason } }),
      ),
      setProfileRole: await outcomeOf(
        root.call('sys.setProfileRole', { params: { id }, body: { role: 'member', reason } }),
      ),
      organizationSettings: await outcomeOf(
        root.call('sys.organizationSettings', { params: { id } }),
      ),
      updateOrganizationSettings: await outcomeOf(
        root.call('sys.updateOrganizationSettings', {
          params: { id },
          body: { selfServiceLinksEnabled: false },
        }),
      ),
      emailSignInLink: await outcomeOf(
        root.call('sys.emailSignInLink', { params: { id }, body: { reason } }),
      ),
      loginTokenDetails: await outcomeOf(root.call('loginTokens.details', { params: { id } })),
      loginTokenRemove: await outcomeOf(root.call('loginTokens.remove', { params: { id } })),
      auditByActor: await outcomeOf(root.call('audit.list', { query: { actorUserId: id } })),
      auditBySubject: await outcomeOf(root.call('audit.list', { query: { subjectUserId: id } })),
      auditByOrganization: await outcomeOf(
        root.call('audit.list', { query: { organizationId: id } }),
      ),
      updateMember: await outcomeOf(
        owner.call('team.updateMember', { params: { profileId: id }, body: { role: 'member' } }),
      ),
      teamHandoff: await outcomeOf(
        admin.call('impersonation.teamHandoff', { params: { coworkerId: id } }),
      ),
    };
    const { auditByActor, auditBySubject, auditByOrganization, ...lookups } = outcomes;
    expect(Object.entries(lookups).filter(([, outcome]) => !isRefusal(outcome))).toEqual([]);
    // The lists still answer: the filter matched nothing.
    expect([auditByActor, auditBySubject, auditByOrganization]).toEqual(['ok', 'ok', 'ok']);
  });

  it('a forged cursor or an organization list holding an id beyond any integer column answers, never a 500', async () => {
    const t = await createTestApp({ rateLimits: false });
    const root = t.client((await t.signIn('root@onbehalf.test')).token);
    const forged = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    // A punch-out's token for the buyer, for the token list to have one.
    await t.client((await t.signIn('ops@onbehalf.test')).token).loginTokens.create({
      subject: { type: 'profile', profileId: demoIds(t).profileId('buyer@acme.test') },
      expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      use: 'integration',
    });
    const pages: Record<string, unknown> = {};
    for (const id of [BEYOND_INTEGER, -BEYOND_INTEGER]) {
      const users = await root.call('sys.users', { query: { cursor: forged(['a', id]) } });
      // Every user after the name "a" whatever the id: one above the range or below it.
      pages[`users after ["a", ${id}]`] = users.users.length > 0;
      const tokens = await root.call('loginTokens.list', { query: { cursor: forged([id]) } });
      // Every token is before an id above the range, none before one below it.
      pages[`login tokens before [${id}]`] = tokens.tokens.length > 0;
      const searched = await root.call('loginTokens.list', {
        query: { cursor: forged([id]), query: 'buyer' },
      });
      pages[`login tokens matching "buyer" before [${id}]`] = searched.tokens.length > 0;
    }
    expect(pages).toEqual({
      [`users after ["a", ${BEYOND_INTEGER}]`]: true,
      [`users after ["a", ${-BEYOND_INTEGER}]`]: true,
      [`login tokens before [${BEYOND_INTEGER}]`]: true,
      [`login tokens before [${-BEYOND_INTEGER}]`]: false,
      [`login tokens matching "buyer" before [${BEYOND_INTEGER}]`]: true,
      [`login tokens matching "buyer" before [${-BEYOND_INTEGER}]`]: false,
    });
    const key = await outcomeOf(
      root.call('apiKeys.create', {
        body: { name: 'k', scopes: ['users:read'], organizationIds: [BEYOND_INTEGER] },
      }),
    );
    expect(isRefusal(key)).toBe(true);
  });

  it('text with a NUL character is refused with a 400 wherever it is sent, never a 500', async () => {
    const t = await createTestApp({ rateLimits: false });
    const root = t.client((await t.signIn('root@onbehalf.test')).token);
    const owner = t.client((await t.signIn('owner@acme.test')).token);
    const member = t.client((await t.signIn('member@acme.test')).token);
    const outcomes = {
      revokeSession: await outcomeOf(
        member.call('auth.revokeSession', { params: { id: WITH_NUL } }),
      ),
      revokeCredential: await outcomeOf(
        member.call('account.revokeCredential', { params: { kind: 'one_click', id: WITH_NUL } }),
      ),
      impersonationReport: await outcomeOf(
        root.call('audit.impersonation', { params: { id: WITH_NUL } }),
      ),
      revokeApiKey: await outcomeOf(root.call('apiKeys.revoke', { params: { id: WITH_NUL } })),
      searchUsers: await outcomeOf(root.call('sys.users', { query: { query: WITH_NUL } })),
      searchOrganizations: await outcomeOf(
        root.call('sys.organizations', { query: { query: WITH_NUL } }),
      ),
      searchTokens: await outcomeOf(root.call('loginTokens.list', { query: { query: WITH_NUL } })),
      searchAudit: await outcomeOf(root.call('audit.list', { query: { query: WITH_NUL } })),
      searchTeam: await outcomeOf(owner.call('team.members', { query: { query: WITH_NUL } })),
      signIn: await outcomeOf(
        t.client().auth.signIn({ email: `buyer${WITH_NUL}@acme.test`, password: WITH_NUL }),
      ),
      emailLink: await outcomeOf(t.client().links.requestEmailLink(`a${WITH_NUL}@acme.test`)),
    };
    expect(Object.entries(outcomes).filter(([, outcome]) => outcome !== 400)).toEqual([]);
    await t.deps.background.idle();
  });

  it('a forged cursor holding such text is a 400 on every list it could reach, never a 500', async () => {
    const t = await createTestApp({ rateLimits: false });
    const root = t.client((await t.signIn('root@onbehalf.test')).token);
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const forged = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const outcomes: Record<string, 'ok' | number> = {};
    for (const [name, text] of [
      ['nul', WITH_NUL],
      ['lone surrogate', 'a\ud800b'],
    ] as const) {
      const pair = forged([text, 1]);
      outcomes[`sessions, ${name}`] = await outcomeOf(
        admin.call('auth.sessions', { query: { cursor: forged([text]) } }),
      );
      outcomes[`team, ${name}`] = await outcomeOf(
        admin.call('team.members', { query: { cursor: pair } }),
      );
      outcomes[`coworkers, ${name}`] = await outcomeOf(
        admin.call('profiles.list', { query: { cursor: pair } }),
      );
      outcomes[`users, ${name}`] = await outcomeOf(
        root.call('sys.users', { query: { cursor: pair } }),
      );
    }
    expect(Object.entries(outcomes).filter(([, outcome]) => outcome !== 400)).toEqual([]);
  });
});

describe('requests that say more, or ask another way, than the route takes', () => {
  it('a body or query field the route does not name is refused with its name, and nothing is done', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { ids, ops, root } = await people(t);
    const links = await countOf(t.ts, 'oneClickLinks');
    const misspelt = await t.call('POST', '/api/sys/one-click-links', {
      token: ops,
      body: { userId: ids.userId('buyer@acme.test'), Delivery: 'handover', expiresInMinute: 1 },
    });
    expect(misspelt.status).toBe(400);
    expect(misspelt.error?.code).toBe('validation_failed');
    expect(JSON.stringify(misspelt.json)).toContain('Delivery');
    expect(JSON.stringify(misspelt.json)).toContain('expiresInMinute');
    expect(await countOf(t.ts, 'oneClickLinks')).toBe(links);
    expect(() => t.latestMail('buyer@acme.test')).toThrow('no mail');

    const status = (await rowsWhere(t.ts, 'users', { email: 'ops@onbehalf.test' }))[0];
    const typo = await t.call('PATCH', `/api/sys/users/${status?.id}`, {
      token: root,
      body: { status: 'active', operatorrole: 'support', reason },
    });
    expect(typo.status).toBe(400);
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'user.updated' })).toEqual([]);

    // A filter's name misspelt would have listed everything.
    const list = await t.call('GET', '/api/sys/audit-events?actorUserID=1', { token: root });
    expect(list.status).toBe(400);
    expect(JSON.stringify(list.json)).toContain('actorUserID');
    // Spelt right, the same ask is answered.
    const right = await t.call('GET', '/api/sys/audit-events?actorUserId=1', { token: root });
    expect(right.status).toBe(200);
  });

  it('a field the route does not name inside a nested object is refused too, and nothing is done', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { ids, root } = await people(t);
    const tokens = await countOf(t.ts, 'loginTokens');
    // An anonymous subject given a person would have made a guest token, not theirs.
    const guest = await t.call('POST', '/api/sys/login-tokens', {
      token: root,
      body: {
        subject: { type: 'anonymous', profileId: ids.profileId('buyer@acme.test') },
        expiresAt: new Date(t.clock.now() + 3_600_000).toISOString(),
      },
    });
    expect([guest.status, guest.error?.code]).toEqual([400, 'validation_failed']);
    expect(JSON.stringify(guest.json)).toContain('profileId');
    expect(await countOf(t.ts, 'loginTokens')).toBe(tokens);

    const before = await t.client(root).call('sys.settings');
    const settings = await t.call('PUT', '/api/sys/settings', {
      token: root,
      body: { selfServiceLinks: { enabled: !before.settings.selfServiceLinks.enabled, enable: 1 } },
    });
    expect([settings.status, settings.error?.code]).toEqual([400, 'validation_failed']);
    expect(JSON.stringify(settings.json)).toContain('enable');
    // A group's own rule still holds on the body's strict copy of it.
    const inverted = await t.call('PUT', '/api/sys/settings', {
      token: root,
      body: { oneClick: { defaultMinutes: 100, maxMinutes: 10 } },
    });
    expect([inverted.status, JSON.stringify(inverted.json)]).toEqual([
      400,
      expect.stringContaining('cannot exceed the maximum'),
    ]);
    expect(await t.client(root).call('sys.settings')).toEqual(before);
  });

  it('a HEAD is answered only by the health checks and the exports: elsewhere 405, and nothing is done', async () => {
    const t = await createTestApp({ rateLimits: false });
    const { ids, root } = await people(t);
    const admin = (await t.signIn('admin@acme.test')).token;
    const handoff = await t.call(
      'HEAD',
      `/api/public/coworkers/${ids.profileId('buyer@acme.test')}/impersonate?reason=checking`,
      { token: admin },
    );
    expect(handoff.status).toBe(405);
    expect(handoff.headers.get('allow')).toBe('GET');
    const operatorHandoff = await t.call(
      'HEAD',
      `/api/sys/users/impersonate?userId=${ids.userId('buyer@acme.test')}&reason=checking`,
      { token: root },
    );
    expect(operatorHandoff.status).toBe(405);
    expect(await countOf(t.ts, 'impersonations')).toBe(0);
    const trail = await t.call('HEAD', '/api/sys/audit-events', { token: root });
    expect(trail.status).toBe(405);
    expect(await rowsWhere(t.ts, 'auditEvents', { type: 'audit.read' })).toEqual([]);

    expect((await t.call('HEAD', '/api/health')).status).toBe(200);
    expect((await t.call('HEAD', '/api/health/ready')).status).toBe(200);
    const exported = await t.call('HEAD', '/api/sys/audit-events/export?format=csv', {
      token: root,
    });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toContain('attachment');
  });
});

describe('a page size is read as an id is read', () => {
  it('decimal digits only: 0x10, 1e1, 010, 10.0 or a padded 10 is a 400, never another number', async () => {
    const t = await createTestApp({ rateLimits: false, env: { ONBEHALF_TEST_MODE: '1' } });
    const { root } = await people(t);
    const lists = [
      '/api/sys/api-keys',
      '/api/sys/audit-events',
      '/api/test/mailbox?to=someone%40acme.test',
    ];
    for (const list of lists) {
      const page = (limit: string) =>
        t.call('GET', `${list}${list.includes('?') ? '&' : '?'}limit=${limit}`, { token: root });
      expect([list, (await page('10')).status]).toEqual([list, 200]);
      for (const limit of ['0x10', '1e1', '010', '10.0', '%2010%20', '+10']) {
        const res = await page(limit);
        expect([list, limit, res.status, res.error?.code]).toEqual([
          list,
          limit,
          400,
          'validation_failed',
        ]);
      }
    }
  });
});

async function people(t: Awaited<ReturnType<typeof createTestApp>>) {
  return {
    ids: demoIds(t),
    ops: (await t.signIn('ops@onbehalf.test')).token,
    root: (await t.signIn('root@onbehalf.test')).token,
  };
}
