import { routes } from '@onbehalf/contracts/routes';
import { routeOf } from '../../http/openapi.ts';
import { createRouter } from '../../http/router.ts';
import { clearSessionCookie, setSessionCookie, signedInBody } from '../../http/session-cookie.ts';
import { requirePermission, requireSession } from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  accessHistory,
  exchangeHandoff,
  issueOperatorHandoff,
  issueTeamHandoff,
  leaveImpersonation,
} from './impersonation.service.ts';

const teamIssueRoute = routeOf(routes['impersonation.teamHandoff'], {
  middleware: [requireSession],
});

/**
 * A person's session (never an API key); the permission is the policy's to judge, like every
 * other rule of the door, so that a refusal is audited with its rule.
 */
const operatorIssueRoute = routeOf(routes['impersonation.operatorHandoff'], {
  middleware: [requirePermission()],
});

const exchangeRoute = routeOf(routes['impersonation.exchange'], { middleware: [requireSession] });

const leaveRoute = routeOf(routes['impersonation.leave'], { middleware: [requireSession] });

const historyRoute = routeOf(routes['account.accessHistory'], {
  middleware: [requireSession],
});

export const impersonationRoutes = createRouter()
  .openapi(teamIssueRoute, async (c) => {
    const { coworkerId } = c.req.valid('param');
    const { reason } = c.req.valid('query');
    return c.json(
      await issueTeamHandoff(c.get('deps'), getAuth(c), coworkerId, reason, c.get('meta')),
      200,
    );
  })
  .openapi(operatorIssueRoute, async (c) =>
    c.json(
      await issueOperatorHandoff(c.get('deps'), getAuth(c), c.req.valid('query'), c.get('meta')),
      200,
    ),
  )
  .openapi(exchangeRoute, async (c) => {
    const auth = getAuth(c);
    const result = await exchangeHandoff(
      c.get('deps'),
      auth,
      c.req.valid('param').token,
      c.get('meta'),
    );
    if (auth.transport === 'cookie') {
      // The cookie outlives the impersonation, as long as the actor's own session: a browser
      // that dropped it at the time limit would send its next write as the actor, unnoticed;
      // kept, the server sees it dead, says why, and refuses the write (ADR 007).
      const until = Math.max(result.expiresAt, auth.session.expiresAt);
      setSessionCookie(c, c.get('deps').env, result.token, until, 'impersonation');
    }
    return c.json(signedInBody(c, result), 200);
  })
  .openapi(leaveRoute, async (c) => {
    const auth = getAuth(c);
    const result = await leaveImpersonation(c.get('deps'), auth, c.get('meta'));
    if (auth.transport === 'cookie') clearSessionCookie(c, c.get('deps').env, 'impersonation');
    return c.json(result, 200);
  })
  .openapi(historyRoute, async (c) =>
    c.json(await accessHistory(c.get('deps'), getAuth(c), c.req.valid('query')), 200),
  );
