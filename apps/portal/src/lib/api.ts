import { createApiClient } from '@onbehalf/api-client/client';
import { SHOWN_SESSION_HEADER } from '@onbehalf/contracts/auth';

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

/**
 * The one API client. Same origin, no token: the browser sends the HttpOnly session cookie,
 * so nothing JS can read ever holds a credential. It says which session the page shows (an
 * id, not a credential).
 */
export const api = createApiClient({
  baseUrl: '',
  headers: (): Record<string, string> => {
    const id = shownSession();
    return id ? { [SHOWN_SESSION_HEADER]: id } : {};
  },
});
