import type { AdminUser } from '@onbehalf/contracts/users';

/** "Contact" (company), "Customer" (personal) or "Operator · support", as Propeller says it. */
export function userType(user: Pick<AdminUser, 'kind' | 'operatorRole' | 'profiles'>): string {
  if (user.kind === 'operator') {
    return user.operatorRole ? `Operator · ${user.operatorRole}` : 'Operator';
  }
  const types = new Set(
    user.profiles.map((p) => (p.organizationKind === 'personal' ? 'Customer' : 'Contact')),
  );
  return types.size === 0 ? 'Customer' : [...types].sort().join(', ');
}
