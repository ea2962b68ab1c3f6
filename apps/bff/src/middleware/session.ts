import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, AuthContext } from '../app-env.ts';
import { authFromLookup } from '../lib/auth-context.ts';
import { AppError } from '../lib/errors.ts';
import { readSessionCookie } from '../lib/session-cookie.ts';
import { findSessionByToken, isSessionLive, touchSession } from '../lib/sessions.ts';

const MAX_TOKEN_LENGTH = 128;

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/**
 * Resolves the cookie (browsers) or bearer token (API clients) to a live session, in one
 * lookup. A dead or unknown token leaves the request anonymous; routes that need a session
 * then answer 401.
 */
export const resolveSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { db, env, clock } = c.var.deps;
  const bearer = bearerToken(c.req.header('authorization'));
  const token = bearer ?? readSessionCookie(c, env);
  c.set('auth', null);
  c.set('authFailure', null);
  if (token) {
    const found = token.length <= MAX_TOKEN_LENGTH ? findSessionByToken(db, token) : undefined;
    const now = clock.now();
    if (!found) {
      c.set('authFailure', 'unauthenticated');
    } else if (!isSessionLive(found.session, now) || found.user?.status === 'disabled') {
      c.set('authFailure', 'session_expired');
    } else {
      touchSession(db, found.session, now);
      c.set('auth', authFromLookup(found, token, bearer ? 'bearer' : 'cookie'));
    }
  }
  await next();
};

/** The signed-in caller, or a 401 that says whether the session ended or never was. */
export function getAuth(c: Context<AppEnv>): AuthContext {
  const auth = c.var.auth;
  if (auth) return auth;
  if (c.var.authFailure === 'session_expired') throw new AppError('session_expired');
  if (c.var.authFailure === 'unauthenticated') {
    throw new AppError('unauthenticated', { message: 'The session token is not valid.' });
  }
  throw new AppError('unauthenticated');
}
