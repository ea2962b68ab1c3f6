import type { EndReason } from '@onbehalf/contracts/impersonation';
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, AuthContext } from '../app-env.ts';
import { madeAhead } from '../domain/clock-leeway.ts';
import { isSessionUsable } from '../domain/sessions.ts';
import {
  clearSessionCookie,
  readSessionCookie,
  rememberImpersonationEnded,
} from '../http/session-cookie.ts';
import { isApiKeyToken } from '../lib/api-key-format.ts';
import { authFromLookup } from '../lib/auth-context.ts';
import { AppError } from '../lib/errors.ts';

const MAX_TOKEN_LENGTH = 128;

function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

type Resolution =
  | { auth: AuthContext }
  | { failure: 'session_expired' | 'unauthenticated'; ended?: EndReason };

async function resolveToken(
  c: Context<AppEnv>,
  token: string,
  transport: AuthContext['transport'],
): Promise<Resolution> {
  const { store, clock } = c.get('deps');
  const found =
    token.length <= MAX_TOKEN_LENGTH ? await store.auth.sessionByToken(token) : undefined;
  if (!found) return { failure: 'unauthenticated' };
  const now = clock.now();
  // Made on a clock ahead of this request's (another test's, in test mode): not usable here,
  // and nothing is settled on this clock's word, which would end what runs on the other.
  if (madeAhead(found.session.createdAt, now)) return { failure: 'session_expired' };

  let impersonation: AuthContext['impersonation'] = null;
  if (found.session.impersonationId) {
    const settled = await store.auth.settleImpersonation(
      found.session.impersonationId,
      found.session,
      now,
      c.get('meta'),
    );
    if ('ended' in settled) return { failure: 'session_expired', ended: settled.ended };
    impersonation = settled.context;
  }
  if (!isSessionUsable(found, now)) {
    return { failure: 'session_expired' };
  }
  // A session an integration's credential opened lasts only while the credential stands.
  let credential: AuthContext['credential'] = null;
  if (found.session.viaKind) {
    credential = await store.auth.settleCredentialSession(found.session, now, c.get('meta'));
    if (!credential) return { failure: 'session_expired' };
  }
  await store.auth.touch(found.session, now);
  return { auth: authFromLookup(found, transport, impersonation, credential) };
}

/**
 * Resolves the request to a live session, in one lookup on the common path: the bearer token
 * (API clients), else the impersonation cookie (while acting as someone), else the person's
 * own session cookie. A dead impersonation falls back to the person's own session and
 * remembers why it ended, so the portal can say so.
 */
export const resolveSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { env, store, clock } = c.get('deps');
  const bearer = bearerToken(c.req.header('authorization'));
  if (bearer && isApiKeyToken(bearer)) {
    // API keys are for integrations, and only on the backoffice API.
    const key = c.req.path.startsWith('/api/sys/')
      ? await store.apiKeys.authenticate(bearer, clock.now())
      : undefined;
    if (key) {
      c.set('apiKey', key);
    } else {
      c.set('authFailure', 'unauthenticated');
    }
    return next();
  }
  const candidates: [string | undefined, AuthContext['transport']][] = bearer
    ? [[bearer, 'bearer']]
    : [
        [readSessionCookie(c, env, 'impersonation'), 'cookie'],
        [readSessionCookie(c, env, 'session'), 'cookie'],
      ];

  for (const [index, [token, transport]] of candidates.entries()) {
    if (!token) continue;
    const result = await resolveToken(c, token, transport);
    if ('auth' in result) {
      c.set('auth', result.auth);
      const credential = result.auth.credential;
      if (credential)
        c.set('meta', {
          ...c.get('meta'),
          credential: { kind: credential.kind, id: credential.id },
        });
      break;
    }
    c.set('authFailure', result.failure);
    if (!bearer && index === 0) {
      clearSessionCookie(c, env, 'impersonation');
      const reason = result.ended ?? 'expired';
      c.set('impersonationEnded', reason);
      rememberImpersonationEnded(c, env, reason);
    }
  }
  if (c.get('auth')) c.set('authFailure', null);
  await next();
};

/** The signed-in caller, or a 401 that says whether the session ended or never was. */
export function getAuth(c: Context<AppEnv>): AuthContext {
  const auth = c.get('auth');
  if (auth) return auth;
  if (c.get('authFailure') === 'session_expired') throw new AppError('session_expired');
  if (c.get('authFailure') === 'unauthenticated') {
    throw new AppError('unauthenticated', { message: 'The session token is not valid.' });
  }
  throw new AppError('unauthenticated');
}
