import { isTestAddress } from '@onbehalf/contracts/test-mode';
import type { AppDeps } from '../../app-env.ts';
import { AppError } from '../../lib/errors.ts';

/**
 * Test mode's made-up operators may act as anyone its database holds, so a test database holds
 * test people only: a person outside `.test` is refused (`test_addresses_only`) by a process in
 * test mode, and by any process or command on a database a test-mode start marked, whether it
 * runs in test mode or not. Every path that creates a person asks this first.
 */
export async function refuseRealPersonOnTestDatabase(
  { env, store }: Pick<AppDeps, 'env' | 'store'>,
  email: string,
): Promise<void> {
  if (isTestAddress(email)) return;
  if (env.testMode || (await store.testMode.isTestDatabase())) {
    throw new AppError('test_addresses_only');
  }
}
