import type { Session } from '@onbehalf/contracts/auth';

/**
 * Whether Admin › Users offers the link buttons: sign-in links are made by an operator with
 * `one-click-links:create` acting as themselves; the server refuses them to anyone signed in
 * as someone else (SPEC §4 rule 8), so the portal does not offer them then.
 */
export function mayCreateLinks(session: Pick<Session, 'permissions' | 'actor'>): boolean {
  return session.permissions.includes('one-click-links:create') && !session.actor;
}
