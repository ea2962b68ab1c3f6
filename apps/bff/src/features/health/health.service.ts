import type { AppDeps } from '../../app-env.ts';
import { AppError } from '../../lib/errors.ts';

/**
 * Ready to take requests: the database answers and holds every migration of this version.
 * Otherwise `not_ready` (503) saying which, never a 500: a load balancer reads it.
 */
export async function assertReady(deps: AppDeps): Promise<void> {
  let unapplied: number;
  try {
    ({ unapplied } = await deps.store.health.ready());
  } catch (error) {
    deps.logger.warn({ err: error }, 'not ready: the database does not answer');
    throw new AppError('not_ready', { message: 'The database does not answer.' });
  }
  if (unapplied > 0) {
    throw new AppError('not_ready', {
      message: `${unapplied} database migration(s) of this version are not applied yet.`,
    });
  }
}
