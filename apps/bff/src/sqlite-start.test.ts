import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { serverSecretFile } from './lib/server-secret.ts';
import { afterThisFile } from './test/file-cleanup.ts';
import { type ServerProcess, spawnServer, waitUntilReady } from './test/server-processes.ts';

/**
 * What a server on a SQLite DATA_DIR refuses to start beside or after (found by a review of the
 * operator's surface): another server on it, and another ONBEHALF_SECRET than its first start's.
 */
const plain = { NODE_ENV: 'development', ONBEHALF_TEST_MODE: '0' };

/** What a server that refused to start said besides its JSON log lines, and its exit code. */
async function refusal(server: ServerProcess) {
  const { code } = await server.exited;
  await server.stop();
  const said = server
    .output()
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('{'));
  return { code, said };
}

describe('a second server on a SQLite DATA_DIR', () => {
  it('is refused in one line, exit code 1, while the first serves on; the next start after it is not', async () => {
    const first = await spawnServer(plain);
    await waitUntilReady(first);
    const second = await spawnServer({ ...plain, DATA_DIR: first.dataDir });
    const refused = await refusal(second);
    expect(refused.code).toBe(1);
    expect(refused.said).toEqual([
      expect.stringMatching(/^onbehalf: Another onbehalf server is running on DATA_DIR /),
    ]);
    expect((await fetch(`${first.url}/api/health/ready`)).status).toBe(200);

    // Killed outright, the first leaves no lock behind: the system releases it.
    first.child.kill('SIGKILL');
    await first.exited;
    const next = await spawnServer({ ...plain, DATA_DIR: first.dataDir });
    await waitUntilReady(next);
    await next.stop();
    await first.stop();
  }, 90_000);
});

describe('a SQLite database a newer version migrated', () => {
  it('serves, and says once at start that it holds migrations this version does not know', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-newer-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    // A database this version made, then a migration of a version after this one.
    const made = await spawnServer({ ...plain, DATA_DIR: dataDir });
    await waitUntilReady(made);
    await made.stop();
    const sqlite = new Database(path.join(dataDir, 'onbehalf.db'));
    sqlite
      .prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)')
      .run('a-newer-version', 4_102_444_800_000);
    sqlite.close();

    const older = await spawnServer({ ...plain, DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    await waitUntilReady(older);
    expect((await fetch(`${older.url}/api/health/ready`)).status).toBe(200);
    await older.stop();
    expect(older.output()).toContain(
      'The database holds 1 migration(s) this version does not know: a newer version migrated it.',
    );
  }, 90_000);
});

describe('a SQLite DATA_DIR first started with ONBEHALF_SECRET', () => {
  it('refuses a start without it in one line, exit code 1, and generates nothing', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-secret-start-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const secret = randomBytes(32).toString('base64url');
    const first = await spawnServer({ ...plain, DATA_DIR: dataDir, ONBEHALF_SECRET: secret });
    await waitUntilReady(first);
    // An audited event under the first secret.
    await fetch(`${first.url}/api/public/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: first.url },
      body: JSON.stringify({ email: 'root@onbehalf.test', password: 'not the password' }),
    });
    await first.stop();

    const restarts: Record<string, string>[] = [
      {},
      { ONBEHALF_SECRET: randomBytes(32).toString('base64url') },
    ];
    for (const env of restarts) {
      const { code, said } = await refusal(
        await spawnServer({ ...plain, DATA_DIR: dataDir, ...env }),
      );
      expect(code).toBe(1);
      expect(said).toEqual([expect.stringMatching(/^onbehalf: .*another ONBEHALF_SECRET/)]);
      expect(existsSync(serverSecretFile(dataDir))).toBe(false);
    }

    // With it again, it serves as before.
    const again = await spawnServer({ ...plain, DATA_DIR: dataDir, ONBEHALF_SECRET: secret });
    await waitUntilReady(again);
    await again.stop();
  }, 90_000);
});
