/**
 * Shown instead of the controls the server refuses while someone acts as someone else
 * (sessions, password, opt-out, access history, team rights, settings and the audit trail): the portal does
 * not even ask, so nothing is refused and nothing of the actor's own leaks into the view.
 */
export const notWhileImpersonating = 'Not available while you are signed in as someone else.';
