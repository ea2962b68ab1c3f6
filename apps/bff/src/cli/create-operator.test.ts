import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../lib/passwords.ts';
import { countOf, rowsWhere } from '../store/test-rows.ts';
import { dialects } from '../store/test-stores.ts';
import { passwordFrom } from './create-operator.ts';
import { cli, commandDatabase, secret } from './test-commands.ts';

/**
 * `pnpm cli create-operator`: how a deployment gets its first superadmin, production seeding no
 * demo (ADR 033). The password comes on stdin, never in the arguments.
 */
describe.each(dialects)('pnpm cli create-operator on %s', (dialect) => {
  it('makes an operator who signs in with the password piped in, audited; never one twice', async () => {
    const { env, read } = await commandDatabase(dialect);
    const password = 'a long password of our own';
    const made = await cli(
      ['create-operator', 'Ada@Example.com', 'Ada Lovelace', 'superadmin'],
      env,
      `${password}\n`,
    );
    expect(made).toMatchObject({ code: 0, stderr: '' });
    expect(made.stdout).toMatch(/^Operator ada@example\.com \(superadmin\) created, user \d+/);
    expect(made.stdout).not.toContain(password);

    const ts = read();
    const [ada, ...others] = await rowsWhere(ts, 'users', { email: 'ada@example.com' });
    expect(others).toEqual([]);
    expect(ada).toMatchObject({ kind: 'operator', operatorRole: 'superadmin', status: 'active' });
    expect(await verifyPassword(ada?.passwordHash ?? '', password)).toBe(true);
    const provisioned = await rowsWhere(ts, 'auditEvents', {
      type: 'user.provisioned',
      subjectUserId: ada?.id ?? 0,
    });
    expect(provisioned).toEqual([expect.objectContaining({ actorKind: 'system' })]);
    expect(await ts.store.audit.verify({ key: secret.auditKey, anchored: null })).toMatchObject({
      intact: true,
    });

    // The same address again, in any case: a conflict, nothing written.
    const again = await cli(
      ['create-operator', 'ADA@example.com', 'Someone Else', 'support'],
      env,
      `${password}\n`,
    );
    expect(again).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'onbehalf: conflict: An account with email ada@example.com exists already.\n',
    });
    expect(await countOf(ts, 'users')).toBe(1);
  }, 60_000);

  it('adds no one outside .test to a database test mode ran on', async () => {
    const { env, read } = await commandDatabase(dialect);
    const password = 'a long password of our own\n';
    const first = ['create-operator', 'qa@operators.example.test', 'QA Lead', 'support'];
    expect(await cli(first, env, password)).toMatchObject({ code: 0 });
    await read().store.testMode.markTestDatabase(Date.now());
    const real = await cli(
      ['create-operator', 'ada@example.com', 'Ada', 'superadmin'],
      env,
      password,
    );
    expect(real).toMatchObject({ code: 1, stdout: '' });
    expect(real.stderr).toMatch(/^onbehalf: test_addresses_only: /);
    expect(await countOf(read(), 'users')).toBe(1);
  }, 60_000);

  it('says how to call it, exit code 2, and writes nothing, for bad input', async () => {
    const { env, read } = await commandDatabase(dialect);
    const good = ['create-operator', 'ada@example.com', 'Ada Lovelace', 'admin'];
    const refused = await Promise.all([
      cli(good, env, 'too short\n'),
      cli(good, env, ''),
      cli(
        ['create-operator', 'ada@example.com', 'Ada Lovelace', 'emperor'],
        env,
        'long enough pw\n',
      ),
      cli(['create-operator', 'not-an-email', 'Ada', 'admin'], env, 'long enough pw\n'),
      cli(
        ['create-operator', 'ada@example.com', 'Ada\nhttps://x.example', 'admin'],
        env,
        'long enough pw\n',
      ),
      cli(['create-operator', 'ada@example.com'], env, 'long enough pw\n'),
    ]);
    for (const answer of refused) {
      expect(answer.code).toBe(2);
      expect(answer.stdout).toBe('');
      expect(answer.stderr).toMatch(/^onbehalf: .*\nusage: create-operator <email> <name>/s);
    }
    // Nothing was written: the one good call after them makes the only account.
    expect(await cli(good, env, 'a long enough password\n')).toMatchObject({ code: 0 });
    expect(await countOf(read(), 'users')).toBe(1);
  }, 60_000);
});

describe('the password on stdin', () => {
  it('is its first line, without the line end, whatever follows', () => {
    expect(passwordFrom('secret words here\n')).toBe('secret words here');
    expect(passwordFrom('secret words here\r\nmore')).toBe('secret words here');
    expect(passwordFrom('no line end')).toBe('no line end');
    expect(passwordFrom('')).toBe('');
  });
});
