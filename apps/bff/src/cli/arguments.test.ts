import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { afterThisFile } from '../test/file-cleanup.ts';
import { cli } from './test-commands.ts';

/** Arguments the command line cannot run are refused before any database is opened. */
describe('pnpm cli with arguments it cannot run', () => {
  it('an unknown or missing command, or a one-click it cannot send, says how and makes no database', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-cli-args-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir };
    const asked = [
      [],
      ['--help'],
      ['migrat'],
      ['ÿ'],
      ['one-click'],
      ['one-click', 'b@acme.test', '0'],
    ];
    const answers = await Promise.all(asked.map((args) => cli(args, env)));
    for (const [i, answer] of answers.entries()) {
      expect([asked[i], answer.code, answer.stdout]).toEqual([asked[i], 2, '']);
      expect(answer.stderr).toMatch(/usage: /);
    }
    expect(answers[0]?.stderr).toContain('usage: onbehalf <command>');
    expect(existsSync(path.join(dataDir, 'onbehalf.db'))).toBe(false);
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);

  it('a command given more than it takes is refused, not run as if they were unsaid', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-cli-args-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir };
    const asked = [
      ['audit-prune', '--dry-run'],
      ['migrate', '--to', '0003'],
      ['seed', 'again'],
      ['audit-verify', '--fix'],
      ['one-click', 'b@acme.test', '5', 'extra'],
    ];
    const answers = await Promise.all(asked.map((args) => cli(args, env)));
    for (const [i, answer] of answers.entries()) {
      expect([asked[i], answer.code, answer.stdout]).toEqual([asked[i], 2, '']);
    }
    expect(answers[0]?.stderr).toMatch(
      /^onbehalf: audit-prune takes no arguments, and was given \["--dry-run"\]\nusage: /,
    );
    expect(answers[4]?.stderr).toMatch(/^onbehalf: one-click takes at most 2, and was given/);
    // Nothing was opened, made or pruned.
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);

  it('one-click minutes are plain digits: hex, an exponent, spaces or a sign are refused, saying what was given', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-cli-args-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir };
    // Each a number to JavaScript's Number(), within 1 to 1440.
    const odd = ['0x10', '1e3', ' 5 ', '+5'];
    const answers = await Promise.all(
      odd.map((minutes) => cli(['one-click', 'b@acme.test', minutes], env)),
    );
    for (const [i, asked] of odd.entries()) {
      expect(answers[i]).toEqual({
        code: 2,
        stdout: '',
        stderr: `onbehalf: minutes must be a whole number from 1 to 1440, not "${asked}"\nusage: one-click <email> [minutes]\n`,
      });
    }
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);

  it('a create-operator it cannot run says how and makes no database, keys or anything else', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-cli-args-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { DATA_DIR: dataDir };
    const answers = await Promise.all([
      cli(['create-operator', 'not-an-email', '', 'root'], env, ''),
      cli(['create-operator', 'ada@example.com', 'Ada', 'admin'], env, 'short\n'),
      cli(['create-operator'], env, 'a long enough password\n'),
    ]);
    for (const answer of answers) {
      expect(answer).toMatchObject({ code: 2, stdout: '' });
      expect(answer.stderr).toMatch(/usage: create-operator/);
    }
    expect(readdirSync(dataDir)).toEqual([]);
  }, 60_000);

  it('with a PostgreSQL that does not answer, a wrong command still gets its usage, not a connection error', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'onbehalf-cli-args-'));
    afterThisFile(() => rmSync(dataDir, { recursive: true, force: true }));
    const answer = await cli(['--help'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      DATA_DIR: dataDir,
    });
    expect(answer).toMatchObject({ code: 2, stdout: '' });
    expect(answer.stderr).toContain('usage: onbehalf <command>');
  }, 60_000);
});
