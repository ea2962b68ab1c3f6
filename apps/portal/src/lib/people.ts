import type { CredentialMaker } from '@onbehalf/contracts/login-links';
import type { OperatorRole } from '@onbehalf/contracts/permissions';

/** An operator's role as a customer reads it beside a name. */
export const operatorRoleLabels: Record<OperatorRole, string> = {
  support: 'support agent',
  admin: 'support admin',
  superadmin: 'support superadmin',
};

interface Person {
  name: string;
  kind: 'customer' | 'operator';
  operatorRole: OperatorRole | null;
}

/**
 * "Omar Haddad (support admin)", "Adam Alvarez (team admin)": someone who acted as, or for,
 * the reader. Staff are named by name and role only; a customer who does so is a team admin.
 */
export function personWithRole(person: Person): string {
  if (person.kind === 'customer') return `${person.name} (team admin)`;
  return `${person.name} (${person.operatorRole ? operatorRoleLabels[person.operatorRole] : 'support'})`;
}

/** Who made a sign-in link or login token, as the person it is for reads it. */
export function makerLabel(maker: CredentialMaker): string {
  switch (maker.kind) {
    case 'operator':
      return personWithRole({ ...maker, kind: 'operator' });
    case 'api_key':
      return `${maker.name} (an integration's API key)`;
    case 'self':
      return 'You';
    case 'system':
      return `${maker.name} (automatically)`;
  }
}
