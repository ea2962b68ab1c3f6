import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../app-env.ts';
import type { Env } from '../env.ts';

/**
 * Two cookies: the person's own session, and — only while they act as someone else — the
 * impersonation session, which takes precedence. Leaving drops the second; the first was
 * never touched, so the person is back in their own session at once.
 */
export type CookieKind = 'session' | 'impersonation';

/** `__Host-` pins the cookie to this origin and path, but needs Secure, so production only. */
export function cookieName(env: Env, kind: CookieKind = 'session'): string {
  const base = kind === 'session' ? 'ob_session' : 'ob_impersonation';
  return env.isProduction ? `__Host-${base}` : base;
}

export function readSessionCookie(c: Context, env: Env, kind: CookieKind = 'session') {
  return getCookie(c, cookieName(env, kind));
}

/**
 * The session's cookie, kept by the browser as long as the session lives: a lifetime from now
 * (`Max-Age`), not a date. A date is read on the browser's clock, and Hono checks it against
 * the machine's: in test mode, whose clock a suite moves forward (SPEC §12), a session ending
 * 400 days past the machine's time was a 500 at every sign-in.
 */
export function setSessionCookie(
  c: Context<AppEnv>,
  env: Env,
  token: string,
  expiresAt: number,
  kind: CookieKind = 'session',
): void {
  const now = c.get('deps').clock.now();
  setCookie(c, cookieName(env, kind), token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: env.isProduction,
    path: '/',
    maxAge: Math.max(0, Math.floor((expiresAt - now) / 1000)),
  });
}

export function clearSessionCookie(c: Context, env: Env, kind: CookieKind = 'session'): void {
  deleteCookie(c, cookieName(env, kind), { path: '/', secure: env.isProduction });
}

const endedCookie = (env: Env) =>
  env.isProduction ? '__Host-ob_impersonation_ended' : 'ob_impersonation_ended';

const forgetEndedNote = (c: Context, env: Env) =>
  deleteCookie(c, endedCookie(env), { path: '/', secure: env.isProduction });

/**
 * Remembers why this browser's impersonation ended until the portal's next session read,
 * whichever request noticed it first (an orders refetch may come before the session check).
 */
export function rememberImpersonationEnded(c: Context, env: Env, reason: string): void {
  setCookie(c, endedCookie(env), reason, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: env.isProduction,
    path: '/',
    maxAge: 10 * 60,
  });
}

/**
 * Forgets this browser's impersonation and any note of one ending, at sign-out (with the own
 * session), so the next person on a shared browser is never handed the last one's
 * impersonation cookie, nor told of their impersonation as theirs.
 */
export function forgetImpersonationCookies(c: Context, env: Env): void {
  clearSessionCookie(c, env, 'impersonation');
  forgetEndedNote(c, env);
}

/**
 * A door's new session in this browser (a password, a link, a token): the last person's note
 * of an impersonation ending is forgotten, and their impersonation cookie too unless this
 * session is one (a handover to its maker), as at sign-out.
 */
export function setSignedInCookie(
  c: Context<AppEnv>,
  env: Env,
  token: string,
  expiresAt: number,
  kind: CookieKind = 'session',
): void {
  forgetEndedNote(c, env);
  if (kind === 'session') clearSessionCookie(c, env, 'impersonation');
  setSessionCookie(c, env, token, expiresAt, kind);
}

/** Whether this browser's impersonation ended and the person has not been told yet. */
export function impersonationEndedUntold(c: Context, env: Env): boolean {
  return getCookie(c, endedCookie(env)) !== undefined;
}

/** Reads and forgets the reason, so the person is told once. */
export function takeImpersonationEnded(c: Context, env: Env): string | undefined {
  const reason = getCookie(c, endedCookie(env));
  if (reason !== undefined) forgetEndedNote(c, env);
  return reason;
}

/**
 * Whether the request carries a bearer token (the scheme in any case, RFC 6750): built by code
 * that holds one, as no browser adds it by itself. Not any Authorization header: behind an HTTP
 * Basic gate, a browser adds `Authorization: Basic …` to every request, a forged one too.
 */
export function carriesBearerToken(c: Context): boolean {
  return /^Bearer\s/i.test(c.req.header('authorization') ?? '');
}

/**
 * Whether a new session's token may go in the response body: only for API clients. A browser
 * sends a cookie, an Origin or a Sec-Fetch-Site header and keeps its session in the HttpOnly
 * cookie, where script in a page cannot read it (SPEC §8b). A request with a bearer token was
 * built by code that already holds one. Another scheme is not: a browser behind an HTTP Basic
 * gate (a staging site, an intranet proxy) sends `Authorization: Basic …` with every fetch.
 */
export function wantsTokenInBody(c: Context): boolean {
  if (carriesBearerToken(c)) return true;
  return (
    c.req.header('cookie') === undefined &&
    c.req.header('origin') === undefined &&
    c.req.header('sec-fetch-site') === undefined
  );
}

/** The body answering a new session: the session, and its token for API clients only. */
export function signedInBody<S>(c: Context, minted: { token: string; session: S }) {
  return wantsTokenInBody(c)
    ? { token: minted.token, session: minted.session }
    : { session: minted.session };
}
