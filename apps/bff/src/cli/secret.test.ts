import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countOf } from '../store/test-rows.ts';
import { dialects } from '../store/test-stores.ts';
import { cli, commandDatabase, secret } from './test-commands.ts';

/**
 * A command given another ONBEHALF_SECRET than the database's processes share is refused as a
 * process would be (found by a review: on PostgreSQL `create-operator` and `one-click` went on,
 * and their audit events then read as edited to every verification with the right secret).
 */
describe.each(dialects)('a command given another ONBEHALF_SECRET, on %s', (dialect) => {
  it('refuses, exit code 1, writes nothing, and the chain still verifies', async () => {
    const { env, read } = await commandDatabase(dialect);
    // The first command on the database, before any server: it records its secret.
    const made = await cli(
      ['create-operator', 'first@operators.test', 'First', 'superadmin'],
      env,
      'a long password of our own\n',
    );
    expect(made.code).toBe(0);
    const users = await countOf(read(), 'users');
    const events = await countOf(read(), 'auditEvents');

    const other = { ...env, ONBEHALF_SECRET: randomBytes(32).toString('base64url') };
    const answers = [
      await cli(
        ['create-operator', 'second@operators.test', 'Second', 'superadmin'],
        other,
        'a long password of our own\n',
      ),
      await cli(['one-click', 'first@operators.test'], other),
      await cli(['audit-prune'], other),
      await cli(['migrate'], other),
    ];
    for (const answer of answers) {
      expect(answer.code).toBe(1);
      expect(answer.stderr).toMatch(/^onbehalf: .*another ONBEHALF_SECRET/);
    }
    expect(await countOf(read(), 'users')).toBe(users);
    expect(await countOf(read(), 'auditEvents')).toBe(events);
    expect(await read().store.audit.verify({ key: secret.auditKey, anchored: null })).toMatchObject(
      { intact: true },
    );
  }, 90_000);

  it('run with another secret on a fresh database, a command that writes nothing records nothing: the servers’ secret is still taken', async () => {
    const { env, read } = await commandDatabase(dialect);
    const other = { ...env, ONBEHALF_SECRET: randomBytes(32).toString('base64url') };
    // A deploy's steps with the wrong secret: nothing keyed is written by any of them.
    expect((await cli(['migrate'], other)).code).toBe(0);
    expect(await cli(['seed'], other)).toMatchObject({ code: 0, stdout: 'Demo seeded.\n' });
    expect((await cli(['one-click', 'nobody@example.test'], other)).code).toBe(1);
    expect((await cli(['audit-prune'], other)).code).toBe(0);
    expect(await countOf(read(), 'auditEvents')).toBe(0);
    // Found by a review: each used to record the wrong secret and lock the servers out.
    const made = await cli(
      ['create-operator', 'first@operators.test', 'First', 'superadmin'],
      env,
      'a long password of our own\n',
    );
    expect(made.code).toBe(0);
    // The first that wrote recorded its secret: from now on the other is refused.
    const refused = await cli(['migrate'], other);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/another ONBEHALF_SECRET/);
  }, 90_000);
});
