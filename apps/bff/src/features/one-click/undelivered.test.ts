import { ApiError } from '@onbehalf/api-client/api-error';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Mailer, MailMessage } from '../../lib/mail.ts';
import { rowsOf, rowsWhere } from '../../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

/**
 * SPEC §4b: a delivered credential reaches only its person's mailbox. When the mail cannot be
 * sent, the link or token made for it is withdrawn with the failure, so a message that left
 * half-way (or is retried by a relay later) opens nothing.
 */

/** A mail server that takes the whole message and then fails, as a timeout after DATA does. */
function failingMailer() {
  const attempted: MailMessage[] = [];
  const mailer: Mailer = {
    transport: 'smtp',
    async send(message) {
      attempted.push(message);
      throw new Error('421 service not available');
    },
  };
  return { mailer, attempted };
}

let t: TestApp;
let attempted: MailMessage[];
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  const failing = failingMailer();
  t = await createTestApp({ rateLimits: false, mailer: failing.mailer });
  attempted = failing.attempted;
  ids = demoIds(t);
});

/** The link in the one message that was attempted. */
function attemptedUrl(): string {
  expect(attempted).toHaveLength(1);
  const url = /https?:\/\/\S+/.exec(attempted[0]?.text ?? '')?.[0];
  if (!url) throw new Error('the attempted message carried no link');
  return url;
}

async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

const failures = () => rowsWhere(t.ts, 'auditEvents', { type: 'mail.failed' });

/** Redeeming the link the failed message carried: it must not sign anybody in. */
async function expectLinkDead(url: string) {
  const [, , userId, hash] = new URL(url).pathname.split('/');
  const body = { userId: Number(userId), hash: hash ?? '' };
  const error = await refusal(t.client().links.redeemOneClick(body));
  expect(error.status).toBe(410);
  const [link] = await rowsOf(t.ts, 'oneClickLinks');
  expect(link?.revokedReason).toBe('undelivered');
}

describe('a sign-in link whose email cannot be sent is withdrawn', () => {
  it('an operator emailing a one-click link gets 503 and the link is dead', async () => {
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    const error = await refusal(
      t.client(ops).sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') }),
    );
    expect(error).toMatchObject({ status: 503, code: 'mail_unavailable' });
    await expectLinkDead(attemptedUrl());
    expect(await failures()).toHaveLength(1);
    expect((await failures())[0]?.details).toMatchObject({ credential: { kind: 'one_click' } });
  });

  it('support emailing a customer a link (Admin › Users) gets 503 and the link is dead', async () => {
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    const error = await refusal(
      t.client(ops).sys.emailSignInLink(ids.userId('buyer@acme.test'), 'Cannot sign in'),
    );
    expect(error).toMatchObject({ status: 503, code: 'mail_unavailable' });
    await expectLinkDead(attemptedUrl());
  });

  it('"email me a link" fails quietly for the caller and the link is dead', async () => {
    const answer = await t.client().links.requestEmailLink('buyer@acme.test');
    expect(answer.ok).toBe(true);
    await t.deps.background.idle();
    await expectLinkDead(attemptedUrl());
    expect(await failures()).toHaveLength(1);
  });

  it('a welcome email that fails leaves the new user without a live link', async () => {
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    const error = await refusal(
      t.client(ops).sys.provisionUser({
        email: 'new.hire@acme.test',
        name: 'New Hire',
        organizationId: ids.organizationId('Acme Corp'),
        sendWelcomeEmail: true,
      }),
    );
    expect(error).toMatchObject({ status: 503, code: 'mail_unavailable' });
    await expectLinkDead(attemptedUrl());
    // The account stays (provisioning is idempotent): asking again sends a new link.
    expect((await rowsWhere(t.ts, 'users', { email: 'new.hire@acme.test' }))[0]).toBeDefined();
  });
});

describe('a login token whose email cannot be sent is withdrawn', () => {
  it('503, its secret is wiped and the token in the message opens nothing', async () => {
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    const error = await refusal(
      t.client(ops).loginTokens.email({
        subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
        expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      }),
    );
    expect(error).toMatchObject({ status: 503, code: 'mail_unavailable' });
    const token = new URL(attemptedUrl()).searchParams.get('token');
    if (!token) throw new Error('the attempted message carried no login token');
    const redeemed = await refusal(t.client().links.redeemLoginToken(token));
    expect(redeemed.status).toBe(410);
    const [row] = await rowsOf(t.ts, 'loginTokens');
    expect(row).toMatchObject({ revokedReason: 'undelivered', secretHash: null });
    expect(row?.deletedAt).not.toBeNull();
  });
});
