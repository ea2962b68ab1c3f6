import { SHOWN_SESSION_HEADER } from '@onbehalf/contracts/headers';

/**
 * Which session this tab shows, for the API client to say with every request. Kept apart from
 * the client (lib/api.ts) so the app's providers can wire it without loading the client, the
 * route table and zod into the first chunk: every page is loaded on demand, and brings those.
 */

/** The id of the session this tab shows, as the session query holds it; none before one loads. */
let shownSession: () => string | undefined = () => undefined;

/**
 * Where the API client reads which session this tab shows: the session query (the app's
 * providers wire it). Every tab shares the cookie, so another tab's sign-in, profile switch or
 * impersonation changes who this tab's next request speaks for; sent along, the server refuses
 * a write meant for the session on screen that would be done in another (`session_changed`).
 */
export function readShownSessionFrom(read: () => string | undefined): void {
  shownSession = read;
}

/** The header a request carries: the shown session's id (an id, not a credential), if any. */
export function shownSessionHeaders(): Record<string, string> {
  const id = shownSession();
  return id ? { [SHOWN_SESSION_HEADER]: id } : {};
}
