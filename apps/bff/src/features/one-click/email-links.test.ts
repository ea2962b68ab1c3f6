import { type ProvisionUserBody, provisionUserResponse } from '@onbehalf/contracts/email-links';
import type { ApiKeyScope } from '@onbehalf/contracts/permissions';
import { TEST_CLOCK_HEADER } from '@onbehalf/contracts/test-mode';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withJobsRunning } from '../../jobs.ts';
import { createJobRunner, JOB_DEFAULTS, retryDelayMs } from '../../lib/jobs.ts';
import { silentLogger } from '../../lib/logger.ts';
import { type Mailer, type MailMessage, SMTP_TIMEOUTS, smtpOptions } from '../../lib/mail.ts';
import { countOf, rowsOf, rowsWhere, updateRows } from '../../store/test-rows.ts';
import { createTestApp, demoIds, refusal, type TestApp } from '../../test/harness.ts';

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
beforeEach(async () => {
  t = await createTestApp();
  ids = demoIds(t);
});

const ask = (email: string) => t.client().links.requestEmailLink(email);
const rowsFor = (email: string) => rowsWhere(t.ts, 'outboxMessages', { to: email });
/** The mail an address received, newest first, as its owner reads it: links included. */
const mailTo = (email: string) => t.mail.filter((m) => m.to === email).reverse();
/** The outbox as an operator reads it (Admin › Outbox): every link removed. */
async function outboxFor(email: string) {
  const ops = await t.signIn('ops@onbehalf.test');
  return (await t.client(ops.token).sys.outbox({ query: email })).messages;
}
const linkIn = (text: string) => {
  const match = /\/one-click\/(\d+)\/([\w-]{43})/.exec(text);
  if (!match) throw new Error('no link in the message');
  return { userId: Number(match[1]), hash: match[2] as string };
};

describe('self-service sign-in links', () => {
  it('answer known and unknown addresses identically, and only the known one gets mail', async () => {
    // Both answer 202, the route's only success, which the client holds the server to.
    const known = await ask('buyer@acme.test');
    const unknown = await ask('nobody@acme.test');
    expect(unknown).toEqual(known);
    // Nothing was looked up or sent before the answer: the work happens afterwards.
    expect(await countOf(t.ts, 'outboxMessages')).toBe(0);
    await t.deps.background.idle();
    expect(await rowsFor('buyer@acme.test')).toHaveLength(1);
    expect(await countOf(t.ts, 'outboxMessages')).toBe(1);
  });

  it('the request leaves a job that holds the address and nothing that signs anyone in', async () => {
    await t
      .client(undefined, { 'user-agent': 'Firefox/140' })
      .links.requestEmailLink(' Buyer@Acme.test ');
    const [job] = await rowsOf(t.ts, 'jobs');
    expect(JSON.parse(job?.payload ?? '')).toEqual({
      email: 'buyer@acme.test',
      send: true,
      // Who asked, for the audit trail: no address here, as app.request has no socket.
      meta: { ip: null, userAgent: 'Firefox/140', requestId: expect.any(String) },
    });
    await t.deps.background.idle();
    // Done: nothing of it is kept, and it is not run again.
    expect(await rowsOf(t.ts, 'jobs')).toEqual([]);
    await t.deps.background.idle();
    expect(await rowsFor('buyer@acme.test')).toHaveLength(1);
  });

  it('a request answered just before the server stopped is mailed by the next start', async () => {
    // The process is stopping: the request is answered, and its job is left for the next start.
    await t.deps.background.stop();
    await ask('buyer@acme.test');
    await t.deps.background.idle();
    expect(await rowsOf(t.ts, 'jobs')).toHaveLength(1);
    expect(await rowsFor('buyer@acme.test')).toHaveLength(0);

    const restarted = createJobRunner(t.deps.store.jobs, {
      clock: t.clock,
      logger: silentLogger,
      pollMs: 0,
    });
    withJobsRunning({ ...t.deps, background: restarted });
    await restarted.idle();
    const [message] = mailTo('buyer@acme.test');
    await expect(
      t.client().links.redeemOneClick(linkIn(message?.text ?? '')),
    ).resolves.toBeDefined();
  });

  it('in test mode, a request on a clock moved ahead gets its mail as soon as any other', async () => {
    t = await createTestApp({ env: { ONBEHALF_TEST_MODE: '1' }, rateLimits: false });
    const mine = t.client(undefined, { [TEST_CLOCK_HEADER]: 'test-a' });
    await mine.test.advanceClock(13 * 3_600_000);
    await mine.links.requestEmailLink('buyer@acme.test');
    await t.deps.background.idle();
    const [message] = await mine.test.mailbox('buyer@acme.test').then((box) => box.messages);
    // Made on that test's clock: it works there.
    await expect(mine.links.redeemOneClick(linkIn(message?.text ?? ''))).resolves.toBeDefined();
  });

  it('a mail that could not be sent is tried again later, with a new link', async () => {
    const delivered: MailMessage[] = [];
    let failures = 1;
    const flaky: Mailer = {
      transport: 'smtp',
      async send(message) {
        if (failures-- > 0) throw new Error('421 service not available');
        delivered.push(message);
      },
    };
    t = await createTestApp({ mailer: flaky });
    await ask('buyer@acme.test');
    await t.deps.background.idle();
    expect(delivered).toHaveLength(0);
    const failed = () => rowsWhere(t.ts, 'auditEvents', { type: 'mail.failed' });
    expect(await failed()).toHaveLength(1);

    t.clock.advance(retryDelayMs(1));
    await t.deps.background.idle();
    expect(delivered).toHaveLength(1);
    const link = linkIn(delivered[0]?.text ?? '');
    await expect(t.client().links.redeemOneClick(link)).resolves.toBeDefined();
    expect(await failed()).toHaveLength(1);
  });

  it('the emailed link works once', async () => {
    await ask('buyer@acme.test');
    await t.deps.background.idle();
    const [message] = mailTo('buyer@acme.test');
    expect(message?.subject).toBe('Your sign-in link');
    // At rest the row holds a redacted copy, and that is all the outbox shows.
    const [row] = await rowsFor('buyer@acme.test');
    expect(row?.text).toContain('[link removed]');
    expect(`${row?.text}${row?.html}`).not.toContain('/one-click/');
    const [kept] = await outboxFor('buyer@acme.test');
    expect(kept).toMatchObject({ subject: 'Your sign-in link', text: row?.text, html: row?.html });
    expect(message?.text).toContain('http://portal.test/one-click/');
    expect(message?.html).toContain('href="http://portal.test/one-click/');
    const link = linkIn(message?.text ?? '');
    await expect(t.client().links.redeemOneClick(link)).resolves.toBeDefined();
    await expect(t.client().links.redeemOneClick(link)).rejects.toMatchObject({ status: 410 });
  });

  it('an address asked for too often gets no more links, but never a 429: strangers cannot make its owner wait', async () => {
    // Strangers at many addresses: each asks once.
    t = await createTestApp({ env: { TRUST_PROXY: '1' } });
    for (const email of ['buyer@acme.test', 'ghost@acme.test']) {
      for (let i = 0; i < 5; i++) {
        const stranger = t.client(undefined, { 'x-forwarded-for': `198.51.100.${i}` });
        await expect(stranger.links.requestEmailLink(email)).resolves.toBeDefined();
      }
    }
    await t.deps.background.idle();
    expect(await rowsFor('buyer@acme.test')).toHaveLength(3);
    const outcomes = (await rowsWhere(t.ts, 'auditEvents', { type: 'one_click.requested' })).map(
      (e) => e.details?.outcome,
    );
    expect(outcomes.filter((o) => o === 'too_many_lately')).toHaveLength(4);
  });

  it('the asking address is slowed down after many requests, whatever emails it names', async () => {
    for (let i = 0; i < 11; i++) {
      await expect(ask(`someone-${i}@acme.test`)).resolves.toBeDefined();
    }
    expect((await refusal(ask('someone-11@acme.test'))).status).toBe(429);
  });

  it('requests sent at once from one address never pass the hard stop: each takes its place first', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ask(`someone-${i}@acme.test`).then(
          () => 202,
          (error: { status: number }) => error.status,
        ),
      ),
    );
    // At most the hard stop is taken (fewer when the first requests' waits come first).
    expect(outcomes.filter((status) => status === 202).length).toBeLessThanOrEqual(30);
    expect(outcomes.filter((status) => status === 429).length).toBeGreaterThanOrEqual(10);
    await t.deps.background.idle();
  });

  it('a disabled user receives nothing', async () => {
    await updateRows(t.ts, 'users', { status: 'disabled' }, { email: 'buyer@acme.test' });
    await ask('buyer@acme.test');
    await t.deps.background.idle();
    expect(await rowsFor('buyer@acme.test')).toHaveLength(0);
  });

  it('an organization or the global setting can switch it off', async () => {
    const owner = await t.signIn('owner@acme.test');
    const teamOff = await t
      .client(owner.token)
      .team.updateSettings({ selfServiceLinksEnabled: false });
    expect(teamOff.settings.selfServiceLinksEnabled).toBe(false);
    await ask('buyer@acme.test');
    await ask('solo@example.test');
    await t.deps.background.idle();
    expect(await rowsFor('buyer@acme.test')).toHaveLength(0);
    expect(await rowsFor('solo@example.test')).toHaveLength(1);
    const root = await t.signIn('root@onbehalf.test');
    await t.client(root.token).sys.updateSettings({ selfServiceLinks: { enabled: false } });
    await ask('member@acme.test');
    await t.deps.background.idle();
    expect(await rowsFor('member@acme.test')).toHaveLength(0);
  });

  it('never mails operators', async () => {
    await ask('support@onbehalf.test');
    await t.deps.background.idle();
    expect(await rowsFor('support@onbehalf.test')).toHaveLength(0);
  });
});

describe('support emails a sign-in link', () => {
  it('the email names the operator and the reason; the audit names the operator', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    await t
      .client(ops.token)
      .sys.emailSignInLink(ids.userId('member@acme.test'), 'Locked out before a delivery');
    const [message] = mailTo('member@acme.test');
    expect(message?.subject).toBe('Omar Haddad sent you a sign-in link');
    expect(message?.text).toContain('Locked out before a delivery');
    expect(message?.text).not.toContain('demo-password');
    const [emailed] = await rowsWhere(t.ts, 'auditEvents', { type: 'one_click.emailed' });
    expect(emailed?.actorUserId).toBe(ops.session.user?.id);
    const [issued] = await rowsWhere(t.ts, 'auditEvents', { type: 'one_click.issued' });
    expect(issued?.reason).toBe('Locked out before a delivery');
  });

  it('needs the permission, a reason, and a customer', async () => {
    const support = await t.signIn('support@onbehalf.test');
    const target = ids.userId('member@acme.test');
    await expect(t.client(support.token).sys.emailSignInLink(target, 'help')).rejects.toMatchObject(
      { status: 403 },
    );
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    await expect(ops.sys.emailSignInLink(target, '')).rejects.toMatchObject({ status: 400 });
    await expect(
      ops.sys.emailSignInLink(ids.userId('root@onbehalf.test'), 'please'),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('provisioning', () => {
  const body = (extra: Partial<ProvisionUserBody> = {}) => ({
    email: 'New.Person@acme.test',
    name: 'New Person',
    organizationId: 1,
    ...extra,
  });

  it('creates once and returns the same user on a repeat, never a duplicate', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    // Raw: 201 for a new user and 200 for a repeat is the point.
    const first = await t.call('POST', '/api/sys/users', {
      token: ops.token,
      body: body({ sendWelcomeEmail: true }),
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      created: true,
      welcomeEmailSent: true,
      user: { email: 'new.person@acme.test' },
    });
    const again = await t.call('POST', '/api/sys/users', {
      token: ops.token,
      body: body({ email: 'new.person@ACME.test' }),
    });
    expect(again.status).toBe(200);
    const created = provisionUserResponse.parse(first.json);
    expect(again.json).toMatchObject({
      created: false,
      user: { id: created.user.id },
      profileId: created.profileId,
    });
    const named = (await rowsOf(t.ts, 'users')).filter(
      (u) => u.email.toLowerCase() === 'new.person@acme.test',
    );
    expect(named).toHaveLength(1);
    const [welcome] = mailTo('new.person@acme.test');
    expect(welcome?.subject).toBe('Welcome to Acme Corp on onbehalf');
    const redeemed = await t.client().links.redeemOneClick(linkIn(welcome?.text ?? ''));
    expect(redeemed.session.activeProfile?.organization.name).toBe('Acme Corp');
  });

  it('refuses an unknown organization, role or email with a clear 4xx', async () => {
    const ops = await t.signIn('ops@onbehalf.test');
    const noOrg = await refusal(
      t.client(ops.token).sys.provisionUser(body({ organizationId: 999 })),
    );
    expect(noOrg.status).toBe(404);
    expect(noOrg.message).toBe('No such organization.');
    // Raw: a role the types do not have.
    expect(
      (
        await t.call('POST', '/api/sys/users', {
          token: ops.token,
          body: { ...body(), role: 'emperor' },
        })
      ).status,
    ).toBe(400);
    const badEmail = await refusal(
      t.client(ops.token).sys.provisionUser(body({ email: 'not-an-email' })),
    );
    expect(badEmail.status).toBe(400);
    expect(badEmail.issues[0]?.path).toBe('email');
  });

  it('an API key needs the users:provision scope', async () => {
    const root = await t.signIn('root@onbehalf.test');
    const make = async (scopes: ApiKeyScope[]) =>
      (
        await t.client(root.token).apiKeys.create({
          name: 'HR',
          scopes,
          organizationIds: [ids.organizationId('Acme Corp')],
        })
      ).secret;
    const readOnly = await make(['users:read']);
    await expect(t.client(readOnly).sys.provisionUser(body())).rejects.toMatchObject({
      status: 403,
    });
    const provisioner = await make(['users:provision']);
    // Raw: a new user is 201, where a repeat would be 200.
    const res = await t.call('POST', '/api/sys/users', { token: provisioner, body: body() });
    expect(res.status).toBe(201);
  });
});

describe('mail from our address holds only what we wrote', () => {
  /** A name an integration would choose to add a paragraph and a link of its own. */
  const phishing =
    'Ann,\n\nACTION NEEDED: your old link expired. Sign in at https://acme-portal.example/login instead.\n\nThanks';

  it('a name, an organization’s or an integration’s, is one line of visible text with no address in it', async () => {
    const root = (await t.signIn('root@onbehalf.test')).token;
    const { secret } = await t.client(root).apiKeys.create({
      name: 'ERP sync',
      scopes: ['users:provision'],
      organizationIds: [ids.organizationId('Acme Corp')],
    });
    const users = async () => (await rowsOf(t.ts, 'users')).length;
    const before = await users();
    const names = [
      phishing,
      'Ann\rSmith',
      'Ann \u202eevil',
      'Ann\u2067lah\u2069',
      'Ann\u200f',
      'Ann\u2028Smith',
      'Ann (www.acme-portal.example)',
      'Ann https://x.example',
    ];
    for (const name of names) {
      const res = await t.call('POST', '/api/sys/users', {
        token: secret,
        body: { email: 'ann@acme.test', name, organizationId: ids.organizationId('Acme Corp') },
      });
      expect([name, res.status, res.error?.issues?.[0]?.path]).toEqual([name, 400, 'name']);
      const key = await t.call('POST', '/api/sys/api-keys', {
        token: root,
        body: { name, scopes: ['users:read'], organizationIds: [ids.organizationId('Acme Corp')] },
      });
      expect([name, key.status]).toEqual([name, 400]);
    }
    expect(await users()).toBe(before);
    expect(t.mail).toHaveLength(0);
    // Names of every script and punctuation pass.
    for (const [i, name] of [
      'Zoë O’Brien-Łukasiewicz',
      '山田 太郎',
      'عائشة',
      'Acme Corp. (EU) & Co',
      // Joiners names and emoji need: ZWJ in an emoji, ZWNJ in Persian, a soft hyphen.
      'Ada 👩\u200d💻',
      'مهرآیین\u200cفر',
      'Donau\u00addampf',
    ].entries()) {
      const made = await t.client(secret).sys.provisionUser({
        email: `person-${i}@acme.test`,
        name,
        organizationId: ids.organizationId('Acme Corp'),
      });
      expect(made.user.name).toBe(name);
    }
  });

  it('a name or reason stored over several lines cannot add paragraphs to the mail', async () => {
    const member = ids.userId('member@acme.test');
    // Stored before names were checked, or by hand.
    await updateRows(t.ts, 'users', { name: `${phishing}\u202e` }, { id: member });
    const ops = t.client((await t.signIn('ops@onbehalf.test')).token);
    // The sender's name, which the subject carries, too.
    await updateRows(
      t.ts,
      'users',
      { name: 'Omar\r\nBcc: all@acme.test' },
      { email: 'ops@onbehalf.test' },
    );
    await ops.sys.emailSignInLink(member, 'Locked out\n\nPS: reply with your password');
    const [message] = mailTo('member@acme.test');
    const text = message?.text ?? '';
    const paragraphs = text.split('\n').filter(Boolean);
    // Hello, who sent it and why, how long it works, the link, the footer: nothing more.
    expect(paragraphs).toHaveLength(5);
    expect(paragraphs[0]).toMatch(/^Hello Ann, ACTION NEEDED: .* Thanks,$/);
    expect(paragraphs[1]).toContain('“Locked out PS: reply with your password”');
    expect(text).not.toContain('\u202e');
    expect(message?.html.match(/<p[ >]/g)).toHaveLength(5);
    expect(message?.subject).toBe('Omar Bcc: all@acme.test sent you a sign-in link');
  });
});

describe('SMTP transport', () => {
  let server: SMTPServer | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('delivers to a real SMTP server with the right recipient, sender and link', async () => {
    const received: { to: string[]; from: string; data: string }[] = [];
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onData(stream, session, done) {
        let data = '';
        stream.on('data', (chunk: Buffer) => {
          data += chunk.toString('utf8');
        });
        stream.on('end', () => {
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            data,
          });
          done();
        });
      },
    });
    const port = await new Promise<number>((resolve) => {
      server?.listen(0, '127.0.0.1', () => {
        const address = server?.server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    const smtp = await createTestApp({
      env: { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Support <support@onbehalf.test>' },
    });
    expect(smtp.deps.mailer.transport).toBe('smtp');
    await smtp.client().links.requestEmailLink('buyer@acme.test');
    await smtp.deps.background.idle();
    expect(received).toHaveLength(1);
    expect(received[0]?.to).toEqual(['buyer@acme.test']);
    expect(received[0]?.from).toBe('support@onbehalf.test');
    const unfolded = (received[0]?.data ?? '').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(unfolded).toMatch(/http:\/\/portal\.test\/one-click\/\d+\/[\w-]{43}/);
    expect(await countOf(smtp.ts, 'outboxMessages')).toBe(0);
  });

  it('gives up on a server that stalls well within a job’s lease, to be retried', () => {
    const options = smtpOptions('smtp://mail.example:587');
    expect(options).toMatchObject({ url: 'smtp://mail.example:587', ...SMTP_TIMEOUTS });
    // However a send stalls (never connecting, never greeting, then silent), it fails first.
    const longest = Object.values(SMTP_TIMEOUTS).reduce((a, b) => a + b);
    expect(longest).toBeLessThan(JOB_DEFAULTS.leaseMs / 2);
  });
});
