import { createApiClient } from '@onbehalf/api-client/client';

/**
 * The one API client. Same origin, no token: the browser sends the HttpOnly session cookie,
 * so nothing JS can read ever holds a credential.
 */
export const api = createApiClient({ baseUrl: '' });
