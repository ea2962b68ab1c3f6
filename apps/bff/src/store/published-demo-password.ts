import { verifyPassword } from '../lib/passwords.ts';
import { DEMO_PASSWORD, demoAccounts } from './demo.ts';
import type { Store } from './store.ts';

/**
 * The demo's accounts that still sign in with the published password, on any database: checked
 * at a production start, which refuses such a database. An account the database does not hold,
 * or one that is disabled, costs no hash.
 */
export async function demoAccountsOnPublishedPassword(store: Store): Promise<string[]> {
  const open: string[] = [];
  for (const account of demoAccounts) {
    const user = await store.auth.findUserByEmail(account.email);
    if (!user?.passwordHash || user.status !== 'active') continue;
    if (await verifyPassword(user.passwordHash, DEMO_PASSWORD)) open.push(account.email);
  }
  return open;
}
