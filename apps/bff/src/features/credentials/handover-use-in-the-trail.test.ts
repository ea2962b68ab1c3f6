import type { CreateOneClickLinkBody } from '@onbehalf/contracts/login-links';
import { beforeEach, describe, expect, it } from 'vitest';
import { rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

/**
 * A support handover (SPEC §4b) is an impersonation by its maker, and SPEC §4 rule 9 and §7
 * want every event of it to name who really acted, whom they acted as, and the impersonation.
 * The redemption's own event (`login_token.used`, `one_click.redeemed`) named the customer as
 * the one who used the credential, with no impersonation id: read by actor, the trail said the
 * customer signed in with a login token at the moment the operator did (found by a review).
 */

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

const inDays = (days: number) => new Date(t.clock.now() + days * 86_400_000).toISOString();

function linkBody(url: string) {
  const [, , userId, hash] = new URL(url).pathname.split('/');
  return { userId: Number(userId), hash: hash ?? '' };
}

describe('the use of a support handover is the maker’s act in the trail', () => {
  it('a support login token used by its maker: `login_token.used` names the operator and the impersonation', async () => {
    const made = await t.client(ops).loginTokens.create({
      subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
      expiresAt: inDays(1),
      use: 'support',
      reason: 'billing question',
    });
    const acting = await t.client(ops).links.redeemLoginToken(made.token ?? '');
    const impersonationId = acting.session.actor?.impersonationId;
    expect(impersonationId).toEqual(expect.any(String));

    const used = await rowsWhere(t.ts, 'auditEvents', { type: 'login_token.used' });
    expect(used).toHaveLength(1);
    expect(used[0]).toMatchObject({
      actorUserId: ids.userId('ops@onbehalf.test'),
      actorKind: 'operator',
      subjectUserId: ids.userId('buyer@acme.test'),
      impersonationId,
    });
  });

  it('a handover link used by its maker: `one_click.redeemed` names the operator and the impersonation', async () => {
    const body: CreateOneClickLinkBody = {
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'see the order page as the buyer sees it',
    };
    const made = await t.client(ops).sys.oneClickLink(body);
    const acting = await t.client(ops).links.redeemOneClick(linkBody(made.url));
    const impersonationId = acting.session.actor?.impersonationId;
    expect(impersonationId).toEqual(expect.any(String));

    const redeemed = await rowsWhere(t.ts, 'auditEvents', { type: 'one_click.redeemed' });
    expect(redeemed).toHaveLength(1);
    expect(redeemed[0]).toMatchObject({
      actorUserId: ids.userId('ops@onbehalf.test'),
      actorKind: 'operator',
      subjectUserId: ids.userId('buyer@acme.test'),
      impersonationId,
    });
  });
});
