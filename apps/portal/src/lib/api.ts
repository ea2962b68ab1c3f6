import { createApiClient } from '@onbehalf/api-client/client';
import { shownSessionHeaders } from './shown-session.ts';

/**
 * The one API client. Same origin, no token: the browser sends the HttpOnly session cookie,
 * so nothing JS can read ever holds a credential. It says which session the page shows (an
 * id, not a credential: shown-session.ts).
 */
export const api = createApiClient({ baseUrl: '', headers: shownSessionHeaders });
