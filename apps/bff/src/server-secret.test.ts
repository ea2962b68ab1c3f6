import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverSecretFile } from './lib/server-secret.ts';
import { afterThisFile } from './test/file-cleanup.ts';
import { spawnServer, waitUntilReady } from './test/server-processes.ts';

/**
 * A SQLite DATA_DIR first started with ONBEHALF_SECRET, restarted without it (a unit file or a
 * container's restart that lost the variable): refused, where it used to generate a secret of
 * its own and key every later audit event with it, reported later as edited (found by a review).
 */
const plain = { NODE_ENV: 'development', ONBEHALF_TEST_MODE: '0' };

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
      const refused = await spawnServer({ ...plain, DATA_DIR: dataDir, ...env });
      const { code } = await refused.exited;
      await refused.stop();
      const said = refused
        .output()
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('{'));
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
