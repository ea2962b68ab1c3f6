import type { Server } from 'node:http';
import type { Logger } from '../lib/logger.ts';

/** How the server stops: asked by a signal, or at once after a fault. */
export interface Stopping {
  /**
   * SIGTERM or SIGINT: no new requests; those in flight are waited for up to the grace, then
   * cut. Asked again meanwhile, it stops at once with exit code 1.
   */
  bySignal(signal: NodeJS.Signals): void;
  /**
   * After a fault (a commit failed): nothing in flight is waited for, since it would go on
   * against a database that cannot take writes (review).
   */
  atOnce(): void;
}

/**
 * The server's stop (found by a review of the operator's surface: it ended after a fixed 2 s,
 * cutting an export, and said nothing). Then `release` stops the work the start set going and
 * closes the database, and `exit` ends the process. Whatever holds the close up (a database
 * that does not answer), the process ends 10 s after the grace.
 */
export function stoppingOf({
  server,
  logger,
  graceSeconds,
  release,
  exit,
}: {
  server: Server;
  logger: Logger;
  graceSeconds: number;
  release: () => Promise<void>;
  exit: (code?: number) => void;
}): Stopping {
  let stopping = false;

  function stop(grace: number, signal?: NodeJS.Signals) {
    stopping = true;
    if (grace > 0) {
      logger.info(
        { signal },
        `Stopping: no new requests; waiting up to ${grace} s for those in flight.`,
      );
    } else logger.warn('Stopping at once: requests in flight are cut.');
    const cut = setTimeout(() => {
      if (grace > 0) logger.warn(`Stopping: requests still in flight after ${grace} s are cut.`);
      server.closeAllConnections();
    }, grace * 1000);
    const deadline = setTimeout(
      () => {
        logger.error('Stopped without closing the database: it did not answer in time.');
        exit(1);
      },
      (grace + 10) * 1000,
    );
    deadline.unref();
    // A request answered after the close keeps its connection open for the next one (keep-
    // alive, decided before the close): such connections are closed as they fall idle.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(async () => {
      clearInterval(sweep);
      clearTimeout(cut);
      await release();
      clearTimeout(deadline);
      logger.info('Stopped.');
      exit();
    });
    server.closeIdleConnections();
  }

  return {
    bySignal(signal) {
      if (stopping) {
        logger.warn({ signal }, 'Stopping at once: asked again.');
        exit(1);
        return;
      }
      stop(graceSeconds, signal);
    },
    atOnce() {
      if (!stopping) stop(0);
      else server.closeAllConnections();
    },
  };
}
