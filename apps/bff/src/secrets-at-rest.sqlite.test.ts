import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createTestApp, demoIds } from './test/harness.ts';

/**
 * No secret that signs anyone in is kept anywhere but in the answer that hands it over: not in
 * a table, not in a log line (at the most talkative level), not in /metrics. Every way one is
 * made, used or tried is exercised once; then every table of the database is read whole.
 */
describe('secrets at rest, in logs and in metrics', () => {
  it('no sign-in secret, session or hand-off token lands in the database, the log or /metrics', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'trace' }, stream);
    const t = await createTestApp({
      rateLimits: false,
      logger,
      env: { METRICS_TOKEN: 'metrics-token-123456789' },
    });
    const ids = demoIds(t);
    const secrets: string[] = [];
    const ops = (await t.signIn('ops@onbehalf.test')).token;
    const root = (await t.signIn('root@onbehalf.test')).token;
    const operator = t.client(ops);

    // Handover one-click link (maker sees it) and redeem it as the maker.
    const link = await operator.sys.oneClickLink({
      userId: ids.userId('buyer@acme.test'),
      delivery: 'handover',
      reason: 'checking a cart',
    });
    const linkHash = /\/one-click\/\d+\/([^/]+)$/.exec(link.url)?.[1] ?? '';
    secrets.push(linkHash);
    await t
      .client()
      .links.previewOneClick({ userId: ids.userId('buyer@acme.test'), hash: linkHash });
    await operator.links.redeemOneClick({ userId: ids.userId('buyer@acme.test'), hash: linkHash });

    // Integration login token: preview, redeem, a wrong secret for its id.
    const integration = await t.client(root).loginTokens.create({
      subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
      expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      oneTimeUse: false,
      use: 'integration',
      extra: 'OCI',
    });
    secrets.push(integration.token.split('.')[1] ?? '');
    await t.client().links.previewLoginToken(integration.token);
    const integrationSession = await t.client().links.redeemLoginToken(integration.token);
    secrets.push((integrationSession as { token: string }).token);
    const wrong = `${integration.id}.${'A'.repeat(43)}`;
    await t.call('POST', '/api/public/auth/login-token', { body: { token: wrong } });

    // Anonymous token.
    const anon = await t.client(root).loginTokens.create({
      subject: { type: 'anonymous' },
      expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
      oneTimeUse: true,
    });
    secrets.push(anon.token.split('.')[1] ?? '');
    await t.client().links.redeemLoginToken(anon.token);

    // Emailed links: self service, support, provisioning welcome.
    await t.client().links.requestEmailLink('member@acme.test');
    await operator.sys.emailSignInLink(ids.userId('solo@example.test'), 'customer asked');
    await t.client(root).sys.provisionUser({
      email: 'new.person@acme.test',
      name: 'New Person',
      organizationId: ids.organizationId('Acme Corp'),
      sendWelcomeEmail: true,
    });
    await t.deps.background.idle();
    for (const m of t.mail) {
      const url = /https?:\/\/\S+/.exec(m.text)?.[0] ?? '';
      const secret =
        url
          .split('/')
          .pop()
          ?.replace(/^login\?token=\d+\./, '') ?? '';
      if (secret) secrets.push(secret);
    }

    // Team hand-off.
    const admin = t.client((await t.signIn('admin@acme.test')).token);
    const handoff = await admin.impersonation.teamHandoff(ids.profileId('member@acme.test'), 'x');
    secrets.push(handoff.token.split('.').pop() ?? '');
    const impersonating = await admin.impersonation.exchange(handoff.token);
    secrets.push((impersonating as { token: string }).token);
    // A failed exchange with a near-miss token, and with a second use.
    await t.call('POST', `/api/public/auth/login/${encodeURIComponent(handoff.token)}`, {
      token: (await t.signIn('admin@acme.test')).token,
    });

    const metrics = await t.call('GET', '/metrics', {
      headers: { authorization: 'Bearer metrics-token-123456789' },
    });

    const tables = (
      t.sqlite.prepare("select name from sqlite_master where type='table'").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    const dump = tables
      .map(
        (name) => `${name}: ${JSON.stringify(t.sqlite.prepare(`select * from "${name}"`).all())}`,
      )
      .join('\n');
    const log = lines.join('');
    const found: string[] = [];
    expect(secrets.filter(Boolean).length).toBeGreaterThan(8);
    for (const secret of secrets.filter((x) => x.length >= 20)) {
      for (const [where, text] of [
        ['database', dump],
        ['log', log],
        ['metrics', metrics.text],
      ] as const) {
        const at = text.indexOf(secret);
        if (at !== -1) found.push(`${where}: …${text.slice(Math.max(0, at - 200), at + 60)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
