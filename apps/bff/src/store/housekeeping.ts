import type { Logger } from '../lib/logger.ts';
import { housekeepingMeta } from '../lib/request-meta.ts';
import type { Store } from './store.ts';

const HOUSEKEEPING_EVERY_MS = 60_000;

/**
 * Runs the store's housekeeping (`BootedStore.housekeeping`) once a minute, one run at a time,
 * on a timer that never keeps the process alive. A failed run is logged and tried again at the
 * next minute: nothing in it is urgent, and each run does all that is due.
 */
export function startHousekeeping(
  housekeeping: (now: number) => Promise<void>,
  options: { now: () => number; logger: Logger; everyMs?: number },
): { stop(): void } {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await housekeeping(options.now());
    } catch (error) {
      options.logger.warn({ err: error }, 'Housekeeping failed; it runs again in a minute.');
    } finally {
      running = false;
    }
  }, options.everyMs ?? HOUSEKEEPING_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Impersonations settled per read, and reads per run: the rest wait for the next minute. */
const OVERDUE_PAGE = 100;
const OVERDUE_PAGES_PER_RUN = 10;

/**
 * Ends the impersonations whose time ran out with nobody using them again (the actor closed the
 * tab): each is settled as its next request would settle it (the policy's re-check, ended once
 * and audited), ended at the moment it ran out. Without this, the person acted as saw it
 * "running" for ever and the trail never said it ended. Part of every store's housekeeping.
 */
export async function endOverdueImpersonations(
  store: Store,
  now: number,
  pageSize: number = OVERDUE_PAGE,
): Promise<number> {
  let after: readonly [number, string] | undefined;
  let settled = 0;
  for (let page = 0; page < OVERDUE_PAGES_PER_RUN; page++) {
    const overdue = await store.impersonation.overdue(now, after, pageSize);
    for (const { id, session } of overdue) {
      await store.auth.settleImpersonation(id, session, now, housekeepingMeta);
    }
    settled += overdue.length;
    const last = overdue.at(-1);
    if (!last || overdue.length < pageSize) break;
    after = [last.endsAt, last.id];
  }
  return settled;
}
