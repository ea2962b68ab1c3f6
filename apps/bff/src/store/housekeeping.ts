import type { Logger } from '../lib/logger.ts';

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
