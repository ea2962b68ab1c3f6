import { api } from '../../../lib/api.ts';

/**
 * Trades a hand-off token for the impersonation. The server then sets a second HttpOnly
 * cookie that takes precedence, so every later request is the target's; the response's
 * token is for bearer clients and is dropped. Only the start-* mutations call this, right
 * after asking for the token: it is single-use, bound to this session and lives 60 s.
 */
export const exchangeHandoff = (handoffToken: string) => api.impersonation.exchange(handoffToken);
