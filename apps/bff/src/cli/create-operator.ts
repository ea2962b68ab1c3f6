import { changePasswordBody } from '@onbehalf/contracts/account';
import { displayName } from '@onbehalf/contracts/common';
import { emailAddress } from '@onbehalf/contracts/email-links';
import { operatorRole } from '@onbehalf/contracts/permissions';
import { z } from 'zod';
import type { Env } from '../env.ts';
import { createOperator } from '../features/users/users.service.ts';
import { systemMeta } from '../lib/request-meta.ts';
import type { Store } from '../store/store.ts';
import { UsageError } from './usage-error.ts';

const USAGE =
  'usage: create-operator <email> <name> <support|admin|superadmin>, the password on stdin';

/** What the command takes, checked with the contract's own rules for each. */
const newOperator = z.object({
  email: emailAddress,
  name: displayName(200),
  operatorRole,
  password: changePasswordBody.shape.newPassword,
});

/**
 * The password is read from stdin, never from the arguments, which the shell's history and
 * `ps` would show: `printf '%s' "$PASSWORD" | pnpm cli create-operator …`. Its first line only.
 */
export function passwordFrom(stdin: string): string {
  return stdin.split(/\r?\n/, 1)[0] ?? '';
}

export type NewOperator = z.infer<typeof newOperator>;

/**
 * What the command was given, checked before any database is opened (on SQLite, made): bad
 * input changes nothing, not even the schema.
 */
export function operatorArguments(args: readonly string[], stdin: string): NewOperator {
  const [email, name, role] = args;
  const checked = newOperator.safeParse({
    email,
    name,
    operatorRole: role,
    password: passwordFrom(stdin),
  });
  if (!checked.success) {
    const problems = checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new UsageError(`${problems.join('; ')}\n${USAGE}`);
  }
  return checked.data;
}

export async function createOperatorCommand(
  opened: { env: Env; store: Store; migrate(): Promise<void> },
  person: NewOperator,
): Promise<string> {
  await opened.migrate();
  // Its event records the secret, on a database with none recorded (cli/open-database.ts).
  const userId = await createOperator(opened, person, Date.now(), systemMeta);
  return `Operator ${person.email.toLowerCase()} (${person.operatorRole}) created, user ${userId}: they sign in with the password given.`;
}
