import { createRoute, z } from '@hono/zod-openapi';
import {
  okResponse,
  sessionIdParam,
  sessionList,
  sessionResponse,
  sessionsQuery,
  signedInResponse,
  signInBody,
} from '@onbehalf/contracts/auth';
import { endReason } from '@onbehalf/contracts/impersonation';
import { errorResponses, jsonBody, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import {
  clearSessionCookie,
  setSessionCookie,
  signedInBody,
  takeImpersonationEnded,
} from '../../lib/session-cookie.ts';
import { signSessionJwt } from '../../lib/session-jwt.ts';
import { describeSession } from '../../lib/session-view.ts';
import { ownSessionOnly, requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { listSessions, revokeOwnSession, signIn, signOut } from './auth.service.ts';

const tags = ['Auth'];

const signInRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/sign-in',
  tags,
  summary: 'Sign in with email and password',
  request: jsonBody(signInBody),
  responses: {
    200: jsonContent(signedInResponse, 'Signed in; the cookie is set for browsers'),
    ...errorResponses(400, 401, 403, 429),
  },
});

const signOutRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/sign-out',
  tags,
  summary: 'Revoke the current session',
  middleware: [requireSession] as const,
  responses: { 200: jsonContent(okResponse, 'Signed out'), ...errorResponses(401) },
});

const sessionRoute = createRoute({
  method: 'get',
  path: '/api/public/auth/session',
  tags,
  summary: 'The current session',
  middleware: [requireSession] as const,
  responses: { 200: jsonContent(sessionResponse, 'The session'), ...errorResponses(401) },
});

const tokenRoute = createRoute({
  method: 'get',
  path: '/api/public/auth/token',
  tags,
  summary: 'A short-lived session JWT for downstream services (`act` claim when impersonating)',
  middleware: [requireSession] as const,
  responses: {
    200: jsonContent(z.object({ jwt: z.string() }), 'Signed JWT'),
    ...errorResponses(401),
  },
});

const sessionsRoute = createRoute({
  method: 'get',
  path: '/api/public/auth/sessions',
  tags,
  summary: "A page of the caller's live sessions, newest first",
  middleware: [requireSession, ownSessionOnly] as const,
  request: { query: sessionsQuery },
  responses: { 200: jsonContent(sessionList, 'Sessions'), ...errorResponses(400, 401, 403) },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/api/public/auth/sessions/{id}',
  tags,
  summary: 'Revoke one of your sessions',
  middleware: [requireSession, ownSessionOnly] as const,
  request: { params: sessionIdParam },
  responses: { 200: jsonContent(okResponse, 'Revoked'), ...errorResponses(401, 403, 404) },
});

export const authRoutes = createRouter()
  .openapi(signInRoute, async (c) => {
    const deps = c.get('deps');
    const result = await signIn(deps, c.get('auth'), c.req.valid('json'), c.get('meta'));
    setSessionCookie(c, deps.env, result.token, result.expiresAt);
    return c.json(signedInBody(c, result), 200);
  })
  .openapi(signOutRoute, (c) => {
    signOut(c.get('deps'), getAuth(c), c.get('meta'));
    clearSessionCookie(c, c.get('deps').env);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(sessionRoute, (c) => {
    const auth = getAuth(c);
    const remembered = takeImpersonationEnded(c, c.get('deps').env);
    const ended = auth.impersonation
      ? null
      : (c.get('impersonationEnded') ?? parseEndReason(remembered));
    const session = describeSession(c.get('deps').db, auth, ended);
    return c.json({ session }, 200);
  })
  .openapi(tokenRoute, async (c) => {
    const { keys, env, clock } = c.get('deps');
    return c.json({ jwt: await signSessionJwt(getAuth(c), keys, env, clock.now()) }, 200);
  })
  .openapi(sessionsRoute, (c) =>
    c.json(listSessions(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(revokeRoute, (c) => {
    const { revokedCurrent } = revokeOwnSession(
      c.get('deps'),
      getAuth(c),
      c.req.valid('param').id,
      c.get('meta'),
    );
    if (revokedCurrent) clearSessionCookie(c, c.get('deps').env);
    return c.json({ ok: true as const }, 200);
  });

function parseEndReason(value: string | undefined) {
  if (value === undefined) return null;
  const parsed = endReason.safeParse(value);
  return parsed.success ? parsed.data : null;
}
