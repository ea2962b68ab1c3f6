import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { countOf } from '../../store/test-rows.ts';
import { createTestApp, demoIds, type TestApp } from '../../test/harness.ts';

/** What needs SQLite itself: the database is one file, and a copy of it is read byte by byte. */

let t: TestApp;
let ids: ReturnType<typeof demoIds>;
let ops: string;
beforeEach(async () => {
  t = await createTestApp({ rateLimits: false });
  ids = demoIds(t);
  ops = (await t.signIn('ops@onbehalf.test')).token;
});

describe('the database holds no usable secret', () => {
  it('a file copy of the database contains no link, token or session secret, outbox included', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onbehalf-secrets-'));
    await t.client(ops).sys.emailOneClickLink({ userId: ids.userId('buyer@acme.test') });
    const linkHash = new URL(t.latestMail('buyer@acme.test').url ?? '').pathname.split('/')[3];
    const body = {
      subject: { type: 'profile', profileId: ids.profileId('buyer@acme.test') },
      expiresAt: new Date(t.clock.now() + 86_400_000).toISOString(),
    } as const;
    const handedOver = await t.client(ops).loginTokens.create({ ...body, use: 'integration' });
    // What only the 202 of an emailed token carries: where it went, never the secret.
    expect(await t.client(ops).loginTokens.email(body)).toEqual({
      id: expect.any(Number),
      sentTo: expect.any(String),
      expiresAt: expect.any(String),
    });
    const emailed = new URL(t.latestMail('buyer@acme.test').url ?? '').searchParams.get('token');
    const session = await t.signIn('buyer@acme.test');
    const file = path.join(dir, 'copy.db');
    await t.sqlite.backup(file);
    const bytes = readFileSync(file).toString('latin1');
    rmSync(dir, { recursive: true, force: true });
    const secrets = [
      linkHash ?? '',
      handedOver.token.split('.')[1] ?? '',
      emailed?.split('.')[1] ?? '',
      session.token,
    ];
    // The outbox keeps the messages, with their links sealed.
    expect(await countOf(t.ts, 'outboxMessages')).toBe(2);
    for (const value of secrets) {
      expect(value.length).toBeGreaterThanOrEqual(43);
      expect(bytes).not.toContain(value);
    }
  });
});
