import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../env.ts';
import { systemMeta } from '../lib/request-meta.ts';
import { SECRET_CHECK, secretCheckFor, serverSecretFrom } from '../lib/server-secret.ts';
import { loadSharedSigningKeys } from '../store/postgres/signing-keys.ts';
import { migrateDatabase, openDatabase } from '../store/sqlite/client.ts';
import { loadDatabaseSecret } from '../store/sqlite/secret-check.ts';
import { appendEvents, countOf, insertRows } from '../store/test-rows.ts';
import { dialects, type TestStore } from '../store/test-stores.ts';
import { afterThisFile } from '../test/file-cleanup.ts';
import { createOperatorCommand } from './create-operator.ts';
import { openCommandDatabase } from './open-database.ts';
import { commandDatabase, secretText } from './test-commands.ts';

/**
 * On a database that has recorded no secret yet, a command and the first server given other
 * secrets: whichever commits first decides, in the transaction of the command's first keyed
 * write (ADR 017). Found by a review: a command's events were written keyed apart, the command
 * refused only after them, when the server recorded its own between the command's migrate and
 * its write.
 */

const operator = {
  email: 'first@operators.test',
  name: 'First',
  operatorRole: 'superadmin' as const,
  password: 'a long password of our own',
};

/** A server starting on this database, as it does on this store: migrated, its secret confirmed. */
async function serverStarts(
  env: Record<string, string>,
  read: () => TestStore,
  secret: string,
): Promise<void> {
  const ts = read();
  if (ts.dialect === 'postgres') {
    const keys = serverSecretFrom(Buffer.from(secret, 'base64url'));
    await loadSharedSigningKeys(ts.db, keys.signingKeysKey, undefined, Date.now(), keys.auditKey);
    return;
  }
  // A connection of its own, as another process has.
  const dataDir = env.DATA_DIR ?? '';
  const { db, sqlite } = openDatabase(path.join(dataDir, 'onbehalf.db'));
  try {
    migrateDatabase(db);
    loadDatabaseSecret(dataDir, secret).confirm(db);
  } finally {
    sqlite.close();
  }
}

/** The database opened as `pnpm cli` opens it, with the test's command secret. */
async function openedAsACommand(env: Record<string, string>) {
  const loaded = loadEnv({ ...env, ONBEHALF_SECRET: secretText, LOG_LEVEL: 'silent' });
  const opened = await openCommandDatabase(loaded);
  afterThisFile(() => opened.close());
  return { ...opened, env: loaded };
}

const DAY = 86_400_000;

/** A command's `pnpm audit:prune` of everything older than 30 days. */
const pruneAsACommand = (opened: Awaited<ReturnType<typeof openedAsACommand>>, now: number) =>
  opened.store.audit.prune({ key: opened.auditKey, retentionDays: 30, now, meta: systemMeta });

describe.each(dialects)('the first secret a database records, on %s', (dialect) => {
  it('a server that records another between a command’s migrate and its write: the write is refused whole, the server’s record stands', async () => {
    const { env, read } = await commandDatabase(dialect);
    const opened = await openedAsACommand(env);
    const server = randomBytes(32).toString('base64url');

    const made = createOperatorCommand(
      {
        ...opened,
        async migrate() {
          await opened.migrate();
          // Nothing recorded yet: the first server starts right now, with another secret.
          await serverStarts(env, read, server);
        },
      },
      operator,
    );
    await expect(made).rejects.toThrow(/first started with another ONBEHALF_SECRET/);

    // Nothing of the command: no operator, no event keyed apart in the trail.
    expect(await countOf(read(), 'users')).toBe(0);
    expect(await countOf(read(), 'auditEvents')).toBe(0);
    // The server's record stands: it starts again, and a server with the command's is refused.
    await serverStarts(env, read, server);
    await expect(serverStarts(env, read, secretText)).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
  }, 30_000);

  it('with nobody else, the command’s first write records its secret: a server given another is refused, one given the same starts', async () => {
    const { env, read } = await commandDatabase(dialect);
    const opened = await openedAsACommand(env);

    const recorded = () => countOf(read(), 'settings', { key: SECRET_CHECK });

    await opened.migrate();
    // Migrating writes nothing keyed, and records nothing.
    expect(await recorded()).toBe(0);
    // Recorded with the write itself, not in a step after it that a server could come before.
    let recordedWithTheWrite: number | undefined;
    const { users } = opened.store;
    const store = {
      ...opened.store,
      users: {
        ...users,
        async createOperator(input: Parameters<typeof users.createOperator>[0]) {
          const created = await users.createOperator(input);
          recordedWithTheWrite = await recorded();
          return created;
        },
      },
    };
    await createOperatorCommand({ ...opened, store }, operator);
    expect(recordedWithTheWrite).toBe(1);

    await expect(serverStarts(env, read, randomBytes(32).toString('base64url'))).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    await serverStarts(env, read, secretText);
  }, 30_000);

  it('a prune after a server recorded another secret deletes nothing: no access history, no event, no checkpoint', async () => {
    const { env, read } = await commandDatabase(dialect);
    const opened = await openedAsACommand(env);
    await opened.migrate();
    const now = Date.now();
    const longAgo = now - 400 * DAY;
    // Access history older than any retention, and nothing else: no event to prune, so the
    // prune's first write is a deletion of history (a review found it deleted, then refused).
    await insertRows(read(), 'loginAttempts', [
      { kind: 'login_token', loginTokenId: 1, userId: null, at: longAgo, outcome: 'invalid' },
    ]);
    await serverStarts(env, read, randomBytes(32).toString('base64url'));

    await expect(pruneAsACommand(opened, now)).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    expect(await countOf(read(), 'loginAttempts')).toBe(1);
    expect(await countOf(read(), 'auditEvents')).toBe(0);
  }, 30_000);

  it('a prune of old events after another secret was recorded is refused before its checkpoint', async () => {
    const { env, read } = await commandDatabase(dialect);
    const opened = await openedAsACommand(env);
    await opened.migrate();
    const now = Date.now();
    // Events old enough to prune, keyed with the command's secret by a writer that records
    // nothing; then a server's record of another secret (written as a server writes it).
    await appendEvents(
      read(),
      [1, 2, 3].map((i) => ({ type: 'settings.changed' as const, at: now - 400 * DAY + i })),
      systemMeta,
    );
    const servers = serverSecretFrom(randomBytes(32));
    await insertRows(read(), 'settings', [
      { key: SECRET_CHECK, value: secretCheckFor(servers.signingKeysKey), updatedAt: now },
    ]);

    await expect(pruneAsACommand(opened, now)).rejects.toThrow(
      /first started with another ONBEHALF_SECRET/,
    );
    expect(await countOf(read(), 'auditEvents')).toBe(3);
    expect(await countOf(read(), 'auditCheckpoints')).toBe(0);
  }, 30_000);
});
