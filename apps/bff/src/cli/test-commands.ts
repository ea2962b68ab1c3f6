import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverSecretFrom } from '../lib/server-secret.ts';
import { createPostgresStore } from '../store/postgres/store.ts';
import { bindAuditKey } from '../store/sqlite/audit.ts';
import { openDatabase } from '../store/sqlite/client.ts';
import { createSqliteStore } from '../store/sqlite/store.ts';
import type { dialects } from '../store/test-stores.ts';
import { freshStore, type TestStore } from '../store/test-stores.ts';
import { bundled } from '../test/bundled.ts';
import { afterThisFile } from '../test/file-cleanup.ts';

/**
 * The command line as an operator runs it on a host (`pnpm cli …`), on a database of either
 * store that the test then reads as another process would.
 */

const root = randomBytes(32);
/** The server secret every command is given, whose audit key the tests verify the chain with. */
export const secret = serverSecretFrom(root);
/** The same, as ONBEHALF_SECRET gives it. */
export const secretText = root.toString('base64url');

/** Runs a command; `stdin`, when given, is written to it and closed. */
export async function cli(args: string[], env: Record<string, string>, stdin?: string) {
  const main = await bundled('cli');
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [main, ...args],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: {
          PATH: process.env.PATH ?? '',
          ONBEHALF_SECRET: secretText,
          LOG_LEVEL: 'silent',
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** A database the command line opens (its environment) and the test reads (its store). */
export async function commandDatabase(
  dialect: (typeof dialects)[number],
): Promise<{ env: Record<string, string>; read: () => TestStore }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-cli-'));
  afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
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
      afterThisFile(() => sqlite.close());
      bindAuditKey(db, secret.auditKey);
      return { dialect, store: createSqliteStore(db), db, auditKey: secret.auditKey };
    },
  };
}
