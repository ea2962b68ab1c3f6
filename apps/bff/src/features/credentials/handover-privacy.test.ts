import { beforeEach, describe, expect, it } from 'vitest';
import { rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

/**
 * SPEC §4b: a support handover is its maker's alone. Whoever else holds its URL learns neither
 * whom support is looking at nor who is looking, and a signed-in person who tries to use it is
 * named in the trail, not filed as anonymous.
 */

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
  const root = (await t.signIn('root@onbehalf.test')).token;
  await t
    .client(root)
    .sys.updateSettings({ operatorImpersonation: { enabled: true, maxMinutes: 60 } });
});

const reason = 'Ticket 4711: checkout fails';

async function supportLink() {
  const { url } = await t
    .client(ops)
    .sys.oneClickLink({ userId: ids.userId('buyer@acme.test'), delivery: 'handover', reason });
  const [, , userId, hash] = new URL(url).pathname.split('/');
  return { userId: Number(userId), hash: hash ?? '' };
}

async function supportToken() {
  const { token } = await t.client(ops).loginTokens.create({
    subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
    expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
    use: 'support',
    reason,
  });
  return token;
}

const failuresOf = (type: 'one_click.failed' | 'login_token.failed') =>
  rowsWhere(t.ts, 'auditEvents', { type });

describe("a support handover's preview names its parties to its maker only", () => {
  it('one-click: anonymous and another person see that it is support, not whose', async () => {
    const link = await supportLink();
    const member = (await t.signIn('member@acme.test')).token;
    for (const viewer of [t.client(), t.client(member)]) {
      const preview = await viewer.links.previewOneClick(link);
      expect(preview).toMatchObject({
        status: 'valid',
        purpose: 'support',
        account: null,
        maker: null,
      });
      expect(JSON.stringify(preview)).not.toMatch(/Buyer|buyer|Ops|ops@/);
    }
    const own = await t.client(ops).links.previewOneClick(link);
    expect(own.account).toMatchObject({ kind: 'user', name: expect.any(String) });
    expect(own.maker).toMatchObject({ kind: 'operator' });
  });

  it('login token: the same, for anyone but its maker', async () => {
    const token = await supportToken();
    const stranger = await t.client().links.previewLoginToken(token);
    expect(stranger).toMatchObject({
      status: 'valid',
      purpose: 'support',
      account: null,
      maker: null,
    });
    const own = await t.client(ops).links.previewLoginToken(token);
    expect(own.account).toMatchObject({ kind: 'user' });
    expect(own.maker).toMatchObject({ kind: 'operator' });
  });

  it('a link delivered to its person still shows whose account it opens', async () => {
    const ops2 = t.client(ops);
    await ops2.sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') });
    const url = t.latestMail('buyer@acme.test').url ?? '';
    const [, , userId, hash] = new URL(url).pathname.split('/');
    const preview = await t
      .client()
      .links.previewOneClick({ userId: Number(userId), hash: hash ?? '' });
    expect(preview.account).toMatchObject({ kind: 'user' });
  });
});

describe('a refused handover names who tried it', () => {
  it('one-click: another signed-in person is the actor of the failure, not "anonymous"', async () => {
    const link = await supportLink();
    const member = await t.signIn('member@acme.test');
    await expect(t.client(member.token).links.redeemOneClick(link)).rejects.toMatchObject({
      status: 403,
      code: 'handover_not_yours',
    });
    const [failure] = await failuresOf('one_click.failed');
    expect(failure).toMatchObject({
      actorUserId: ids.userId('member@acme.test'),
      actorKind: 'customer',
    });
    expect(failure?.details).toMatchObject({ outcome: 'not_maker' });
  });

  it('login token: the same', async () => {
    const token = await supportToken();
    const support = await t.signIn('support@onbehalf.test');
    await expect(t.client(support.token).links.redeemLoginToken(token)).rejects.toMatchObject({
      status: 403,
      code: 'handover_not_yours',
    });
    const [failure] = await failuresOf('login_token.failed');
    expect(failure).toMatchObject({
      actorUserId: ids.userId('support@onbehalf.test'),
      actorKind: 'operator',
    });
  });

  it('nobody signed in stays anonymous', async () => {
    const link = await supportLink();
    await expect(t.client().links.redeemOneClick(link)).rejects.toMatchObject({ status: 403 });
    expect((await failuresOf('one_click.failed'))[0]).toMatchObject({
      actorUserId: null,
      actorKind: 'anonymous',
    });
  });
});
