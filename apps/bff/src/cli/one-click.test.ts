import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { serverSecretFrom } from '../lib/server-secret.ts';
import { createPostgresStore } from '../store/postgres/store.ts';
import { bindAuditKey } from '../store/sqlite/audit.ts';
import { openDatabase } from '../store/sqlite/client.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';
import { countOf, rowsWhere } from '../store/test-rows.ts';
import { dialects, freshStore, type TestStore } from '../store/test-stores.ts';
import { bundled } from '../test/bundled.ts';

/**
 * `pnpm cli one-click` as an operator runs it on a host, on either store: the same service as
 * POST /api/sys/one-click-links, so the same rules refuse and the same audit records.
 */

const root = randomBytes(32);
const secret = serverSecretFrom(root);
const dirs: string[] = [];
const closers: (() => void)[] = [];

afterAll(() => {
  for (const close of closers) close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[], env: Record<string, string>) {
  const main = await bundled('cli');
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: {
          PATH: process.env.PATH ?? '',
          ONBEHALF_SECRET: root.toString('base64url'),
          LOG_LEVEL: 'silent',
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A database the command line opens (its environment) and the test reads (its store). */
async function commandDatabase(
  dialect: (typeof dialects)[number],
): Promise<{ env: Record<string, string>; read: () => TestStore }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-cli-'));
  dirs.push(dataDir);
  if (dialect === 'postgres') {
    const fresh = await freshStore('postgres');
    const ts: TestStore = {
      ...fresh,
      store: createPostgresStore(fresh.db, { auditKey: secret.auditKey }),
      auditKey: secret.auditKey,
    };
    return { env: { DATA_DIR: dataDir, DATABASE_URL: fresh.url }, read: () => ts };
  }
  return {
    env: { DATA_DIR: dataDir },
    read() {
      // Opened after the commands wrote, as another process would.
      const { db, sqlite } = openDatabase(path.join(dataDir, 'onbehalf.db'));
      closers.push(() => sqlite.close());
      bindAuditKey(db, secret.auditKey);
      return { dialect, store: createSqliteStore(db), db, auditKey: secret.auditKey };
    },
  };
}

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
