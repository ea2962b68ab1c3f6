import type { Session } from '@onbehalf/contracts/auth';

/** Said when the server could not tell why (another request noticed the end first). */
export const unexplainedEnd = {
  reason: 'ended',
  message: 'The impersonation has ended.',
} as const;

/**
 * The server says why an impersonation ended on the first `GET /session` after it ended.
 * If another request got there first (a page's data, another tab leaving), that answer is
 * simply the actor's own session: the identity changed all the same, so the portal must
 * still drop what it cached for the person it was acting as. Compares with the session held
 * until now and adds a notice when an impersonation vanished without one.
 */
export function withImpersonationEndNotice(
  previous: Session | null | undefined,
  next: Session,
): Session {
  if (next.impersonationEnded || !previous?.actor) return next;
  if (next.actor?.impersonationId === previous.actor.impersonationId) return next;
  return { ...next, impersonationEnded: { ...unexplainedEnd } };
}
