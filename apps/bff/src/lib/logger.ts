import pino, { type DestinationStream, type Logger } from 'pino';
import type { Env } from '../env.ts';

export type { Logger };

/**
 * The server's one logger: JSON lines on stdout (pino), the request log and the server's own
 * lines alike. `level` is a label rather than pino's number; `time` stays pino's epoch
 * milliseconds (an ISO string costs about a microsecond more on every request's line).
 * Nothing is redacted here: the request log writes only ids and route patterns (never a
 * header, body or raw path), so no secret reaches the logger in the first place.
 */
export function createLogger(
  level: Env['LOG_LEVEL'],
  /** A file descriptor (stdout by default; the CLI's own output is there) or a stream. */
  destination: DestinationStream | 1 | 2 = 1,
): Logger {
  return pino(
    {
      level,
      formatters: { level: (label) => ({ level: label }) },
    },
    typeof destination === 'number'
      ? pino.destination({ dest: destination, sync: false })
      : destination,
  );
}

/** A logger that writes nothing (tests that do not read the log). */
export const silentLogger: Logger = pino({ level: 'silent' });
