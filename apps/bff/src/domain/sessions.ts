import { madeAhead } from './clock-leeway.ts';

/** How long sessions live and when they are touched. See docs/decisions/004-session-lifetime.md. */
export const sessionPolicy = {
  absoluteMs: 12 * 60 * 60 * 1000,
  idleMs: 2 * 60 * 60 * 1000,
  /** last_seen_at is written at most this often, so a session check is a read. */
  touchEveryMs: 60 * 1000,
  /**
   * Live sessions a person may hold of their own at once: a new one past it, through any door,
   * signs the oldest out (`session_limit`), so signing everyone out (a password change) is
   * bounded work. Sessions acting as them in an impersonation are their actors' and not counted;
   * those integrations' credentials open count apart, this many for all of them together.
   */
  maxLivePerPerson: 100,
  /**
   * A session's row is kept this long after its absolute expiry (revoked or not), then deleted by
   * housekeeping: nothing reads a dead session but the person's list of recent ones, and every
   * door mints them (a guest per use, a row per profile switch), so they must not pile up.
   */
  keptAfterExpiryMs: 30 * 24 * 60 * 60 * 1000,
} as const;

export interface SessionTimes {
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
  revokedAt: number | null;
}

/**
 * Not revoked, not past its absolute expiry, not idle for too long, and not made on a clock
 * ahead of this one (which would stretch every limit by the difference).
 */
export function isSessionLive(session: SessionTimes, now: number): boolean {
  return (
    session.revokedAt === null &&
    !madeAhead(session.createdAt, now) &&
    now < session.expiresAt &&
    now - session.lastSeenAt < sessionPolicy.idleMs
  );
}

/** A session that may be used: live, and its person (an anonymous guest has none) not disabled. */
export function isSessionUsable(
  found: { session: SessionTimes; user: { status: string } | null },
  now: number,
): boolean {
  return isSessionLive(found.session, now) && found.user?.status !== 'disabled';
}
