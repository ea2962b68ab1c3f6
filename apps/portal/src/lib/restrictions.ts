import type { Session } from '@onbehalf/contracts/auth';

/**
 * Shown instead of the controls the server refuses while someone acts as someone else
 * (sessions, password, opt-out, access history, team rights, settings and the audit trail): the portal does
 * not even ask, so nothing is refused and nothing of the actor's own leaks into the view.
 */
export const notWhileImpersonating = 'Not available while you are signed in as someone else.';

/**
 * The same for a session an integration's login token or link opened (a punch-out, say): the
 * server refuses it the person's own controls, so the portal does not offer them.
 */
export const notInIntegrationSession =
  'Not available here: an integration signed you in. Sign out, then sign in with your password to do this.';

/**
 * Why the person's own controls (SPEC §4 rule 8, §4b) are not offered in this session, or
 * null when they are: someone is acting as them, or an integration opened it.
 */
export function actingForSomeone(session: Pick<Session, 'actor' | 'via'>): string | null {
  if (session.actor) return notWhileImpersonating;
  if (session.via) return notInIntegrationSession;
  return null;
}
