import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Env } from '../env.ts';

/** `__Host-` pins the cookie to this origin and path, but needs Secure, so production only. */
export function sessionCookieName(env: Env): string {
  return env.isProduction ? '__Host-ob_session' : 'ob_session';
}

export function readSessionCookie(c: Context, env: Env): string | undefined {
  return getCookie(c, sessionCookieName(env));
}

export function setSessionCookie(c: Context, env: Env, token: string, expiresAt: number): void {
  setCookie(c, sessionCookieName(env), token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: env.isProduction,
    path: '/',
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context, env: Env): void {
  deleteCookie(c, sessionCookieName(env), { path: '/', secure: env.isProduction });
}
