import { getTableColumns, type Table } from 'drizzle-orm';

/**
 * A person's columns as a request sees them (`SessionUser` in rows.ts): every column of the
 * users table, or of an alias of it, but the password hash. The session lookup and the
 * impersonation re-check of both stores select through this, so no request loads a hash; the
 * sign-in and the password change read it through the account port.
 */
export function sessionUserColumns<T extends Table & { passwordHash: unknown }>(
  users: T,
): Omit<T['_']['columns'], 'passwordHash'> {
  const { passwordHash: _passwordHash, ...columns } = getTableColumns(users);
  return columns;
}
