import { describe, expect, it } from 'vitest';
import { countOf, insertRow, rowsWhere } from '../store/test-rows.ts';
import { dialects } from '../store/test-stores.ts';
import { cli, commandDatabase, secret } from './test-commands.ts';

/**
 * `pnpm cli one-click` as an operator runs it on a host, on either store: the same service as
 * POST /api/sys/one-click-links, so the same rules refuse and the same audit records.
 */

describe.each(dialects)('pnpm cli one-click on %s', (dialect) => {
  it('emails the link through the service: the link, the mail and its audit, never the URL on stdout', async () => {
    const { env, read } = await commandDatabase(dialect);
    expect(await cli(['seed'], env)).toMatchObject({ code: 0, stdout: 'Demo seeded.\n' });

    const sent = await cli(['one-click', 'buyer@acme.test', '30'], env);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(
      /^Sent a sign-in link to b\S*@acme\.test \(the local outbox\); it works until \d{4}-\d\d-\d\dT\S+Z\.\n$/,
    );
    expect(sent.stdout).not.toContain('/one-click/');

    const ts = read();
    const [buyer] = await rowsWhere(ts, 'users', { email: 'buyer@acme.test' });
    if (!buyer) throw new Error('no buyer');
    const [link, ...others] = await rowsWhere(ts, 'oneClickLinks', { userId: buyer.id });
    expect(others).toEqual([]);
    expect(link).toMatchObject({
      delivery: 'email',
      purpose: 'delivered',
      createdByUserId: null,
      createdByApiKeyId: null,
    });
    // The minutes asked for, as the API would honour them.
    expect((link?.expiresAt ?? 0) - (link?.createdAt ?? 0)).toBe(30 * 60_000);
    expect(await countOf(ts, 'outboxMessages', { to: 'buyer@acme.test' })).toBe(1);
    const audit = (type: string) =>
      rowsWhere(ts, 'auditEvents', { type: type as never, subjectUserId: buyer.id });
    for (const type of ['one_click.issued', 'one_click.emailed']) {
      expect(await audit(type)).toEqual([expect.objectContaining({ actorKind: 'system' })]);
    }
    // Appended to the one chain, with the server's key.
    expect(await ts.store.audit.verify({ key: secret.auditKey, anchored: null })).toMatchObject({
      intact: true,
    });

    // Refused by the service's own rules, with the API's stable codes, and nothing written.
    const [nobody, backoffice] = await Promise.all([
      cli(['one-click', 'nobody@acme.test'], env),
      cli(['one-click', 'root@onbehalf.test'], env),
    ]);
    expect(nobody).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'onbehalf: not_found: No user with email nobody@acme.test.\n',
    });
    expect(backoffice).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'onbehalf: forbidden: Sign-in links are for customer accounts only.\n',
    });
    expect(await countOf(ts, 'oneClickLinks')).toBe(1);
    expect(await countOf(ts, 'outboxMessages')).toBe(1);
  }, 60_000);

  it('says how to call it, exit code 2, for a missing email or minutes out of range', async () => {
    const { env, read } = await commandDatabase(dialect);
    expect(await cli(['seed'], env)).toMatchObject({ code: 0 });
    const answers = await Promise.all(
      [[], ['0'], ['1441'], ['15.5'], ['soon']].map((minutes) =>
        cli(['one-click', ...(minutes.length ? ['buyer@acme.test', ...minutes] : [])], env),
      ),
    );
    const [missing, ...badMinutes] = answers;
    expect(missing).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'onbehalf: usage: one-click <email> [minutes]\n',
    });
    for (const [i, asked] of ['0', '1441', '15.5', 'soon'].entries()) {
      expect(badMinutes[i]).toMatchObject({
        code: 2,
        stdout: '',
        stderr: `onbehalf: minutes must be a whole number from 1 to 1440, not "${asked}"\nusage: one-click <email> [minutes]\n`,
      });
    }
    expect(await countOf(read(), 'oneClickLinks')).toBe(0);
  }, 60_000);
});

describe('pnpm cli one-click beside a SQLite server', () => {
  it("counts its refusal but leaves the server's counters to the server (ADR 048)", async () => {
    const { env, read } = await commandDatabase('sqlite');
    expect(await cli(['seed'], env)).toMatchObject({ code: 0 });
    // A closed minute's counter the server has yet to summarise, as its witness remembers it.
    const ts = read();
    const left = await insertRow(ts, 'auditRepeats', {
      key: 'impersonation.refused|7|operator_door',
      minute: 1,
      type: 'impersonation.refused',
      actorUserId: 7,
      actorKind: 'operator',
      organizationId: null,
      rule: 'operator_door',
      via: null,
      asked: null,
      subjectUserId: null,
      ip: null,
      count: 3,
      lastAt: 60_000,
    });

    const refused = await cli(['one-click', 'root@onbehalf.test'], env);
    expect(refused.code).toBe(1);

    expect(await countOf(ts, 'auditEvents', { type: 'credential.refused' })).toBe(1);
    expect(await rowsWhere(ts, 'auditRepeats', { minute: 1 })).toEqual([left]);
  }, 60_000);
});
