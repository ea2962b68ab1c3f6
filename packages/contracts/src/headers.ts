/**
 * Header names the portal sends. This module imports nothing: the portal's first chunk reads it,
 * and a schema module here would bring zod into every first page load (the bench's
 * initial-JS budget, bench/README.md).
 */

/**
 * The session a browser page shows (its `id`, never its token), sent by the portal with every
 * request. Cookies are shared by every tab: a sign-in, profile switch or impersonation started
 * or left in one tab changes the session behind the others' pages at once. A write (or a read
 * that hands out a credential) whose page shows another session than the cookie now holds is
 * refused, `401 session_changed`, rather than carried out in a name the page does not show
 * (docs/decisions/046). API clients hold their own token and do not send it.
 */
export const SHOWN_SESSION_HEADER = 'x-onbehalf-shown-session';
