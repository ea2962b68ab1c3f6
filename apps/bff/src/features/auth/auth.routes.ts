import { endReason } from '@onbehalf/contracts/impersonation';
import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import {
  clearSessionCookie,
  forgetImpersonationCookies,
  setSignedInCookie,
  signedInBody,
  takeImpersonationEnded,
} from '../../http/session-cookie.ts';
import { describeSession } from '../../http/session-view.ts';
import { signSessionJwt } from '../../lib/session-jwt.ts';
import { requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import { listSessions, revokeOwnSession, signIn, signOut } from './auth.service.ts';

const signInRoute = routeOf(routes['auth.signIn']);
const signOutRoute = routeOf(routes['auth.signOut'], { middleware: [requireSession] });
const sessionRoute = routeOf(routes['auth.session'], { middleware: [requireSession] });
const tokenRoute = routeOf(routes['auth.jwt'], { middleware: [requireSession] });
const sessionsRoute = routeOf(routes['auth.sessions'], {
  middleware: [requireSession],
});
const revokeRoute = routeOf(routes['auth.revokeSession'], {
  middleware: [requireSession],
});

export const authRoutes = createRouter()
  .openapi(signInRoute, async (c) => {
    const deps = c.get('deps');
    const result = await signIn(deps, c.req.valid('json'), c.get('meta'), c.req.raw.signal);
    setSignedInCookie(c, deps.env, result.token, result.expiresAt);
    return c.json(signedInBody(c, result), 200);
  })
  .openapi(signOutRoute, async (c) => {
    await signOut(c.get('deps'), getAuth(c), c.get('meta'));
    clearSessionCookie(c, c.get('deps').env);
    forgetImpersonationCookies(c, c.get('deps').env);
    return c.json({ ok: true as const }, 200);
  })
  .openapi(sessionRoute, async (c) => {
    const auth = getAuth(c);
    const remembered = takeImpersonationEnded(c, c.get('deps').env);
    const ended = auth.impersonation
      ? null
      : (c.get('impersonationEnded') ?? parseEndReason(remembered));
    const { store, clock } = c.get('deps');
    const session = await describeSession(store, auth, clock.now(), ended);
    return c.json({ session }, 200);
  })
  .openapi(tokenRoute, async (c) => {
    const { keys, env, clock } = c.get('deps');
    return c.json({ jwt: await signSessionJwt(getAuth(c), keys, env, clock.now()) }, 200);
  })
  .openapi(sessionsRoute, async (c) =>
    c.json(await listSessions(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  )
  .openapi(revokeRoute, async (c) => {
    const { revokedCurrent } = await revokeOwnSession(
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
