import { beforeEach, describe, expect, it } from 'vitest';
import { rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

/**
 * SPEC §4 rule 9: every request made while impersonating is attributed to both
 * people, and every event it writes names the actor, the subject and the impersonation. The
 * Continue pages' previews (`/api/public/auth/one-click/preview`, `…/login-token/preview`) are
 * not refused while impersonating, and a preview of a credential that no longer works counts a
 * failed attempt on it and writes `one_click.failed` / `login_token.failed`: from inside an
 * impersonation that event named the person acted as as the one who tried, with no actor and
 * no impersonation id. The member's trail then showed failed sign-in attempts they never made
 * (found by a review).
 */

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

/** Support (ops) acting as the buyer through the operator door. */
async function opsAsBuyer() {
  const { token } = await t.client(ops).impersonation.operatorHandoff({
    userId: ids.userId('buyer@acme.test'),
    reason: 'checking the basket',
  });
  const acting = await t.client(ops).impersonation.exchange(token);
  return { token: acting.token ?? '', impersonationId: acting.session.actor?.impersonationId };
}

describe('a preview made while impersonating is attributed to both people', () => {
  it('a used login token previewed as the buyer: `login_token.failed` names the operator and the impersonation', async () => {
    // An email token for the buyer, delivered and used: the link in an old mail.
    await t.client(ops).loginTokens.create({
      subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
      expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      use: 'email',
    });
    const mailed = t.mail.at(-1)?.text ?? '';
    const loginToken = decodeURIComponent(/token=([^\s]+)/.exec(mailed)?.[1] ?? '');
    expect(loginToken).not.toBe('');
    await t.client().links.redeemLoginToken(loginToken);

    const acting = await opsAsBuyer();
    const preview = await t.client(acting.token).links.previewLoginToken(loginToken);
    expect(preview.status).toBe('used');

    const failed = await rowsWhere(t.ts, 'auditEvents', { type: 'login_token.failed' });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      actorUserId: ids.userId('ops@onbehalf.test'),
      actorKind: 'operator',
      impersonationId: acting.impersonationId,
    });
  });

  it('a forged one-click link previewed as the buyer: `one_click.failed` names the operator and the impersonation', async () => {
    const acting = await opsAsBuyer();
    const preview = await t.client(acting.token).links.previewOneClick({
      userId: ids.userId('buyer@acme.test'),
      hash: 'x'.repeat(43),
    });
    expect(preview.status).toBe('invalid');

    const failed = await rowsWhere(t.ts, 'auditEvents', { type: 'one_click.failed' });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      actorUserId: ids.userId('ops@onbehalf.test'),
      actorKind: 'operator',
      impersonationId: acting.impersonationId,
    });
  });
});
