import { createRoute } from '@hono/zod-openapi';
import { sessionResponse, signedInResponse } from '@onbehalf/contracts/auth';
import {
  accessHistoryResponse,
  handoffParam,
  handoffResponse,
  operatorImpersonateQuery,
  teamImpersonateParams,
  teamImpersonateQuery,
} from '@onbehalf/contracts/impersonation';
import { errorResponses, jsonContent } from '../../lib/openapi.ts';
import { createRouter } from '../../lib/router.ts';
import { clearSessionCookie, setSessionCookie, signedInBody } from '../../lib/session-cookie.ts';
import { rejectCrossSite } from '../../middleware/cross-site.ts';
import {
  ownSessionOnly,
  requirePermission,
  requireSession,
} from '../../middleware/require-permission.ts';
import { getAuth } from '../../middleware/session.ts';
import {
  accessHistory,
  exchangeHandoff,
  issueOperatorHandoff,
  issueTeamHandoff,
  leaveImpersonation,
} from './impersonation.service.ts';

const tags = ['Impersonation'];

/** GETs that mint a credential must not be triggerable from another site (an <img>, a link). */
const sameSiteOnly = rejectCrossSite({ guardGet: true });

const teamIssueRoute = createRoute({
  method: 'get',
  path: '/api/public/coworkers/{coworkerId}/impersonate',
  tags,
  summary: 'Team door: a hand-off token to sign in on behalf of a coworker',
  description:
    'Needs team:impersonate and the organization setting. 401 without a valid session, 403 when a rule refuses, 404 for an unknown coworker or any profile outside your organization. The token lives 60 s, is single-use and bound to the calling session.',
  middleware: [sameSiteOnly, requireSession] as const,
  request: { params: teamImpersonateParams, query: teamImpersonateQuery },
  responses: {
    200: jsonContent(handoffResponse, 'Hand-off token'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const operatorIssueRoute = createRoute({
  method: 'get',
  path: '/api/sys/users/impersonate',
  tags,
  summary: 'Operator door: a hand-off token to impersonate a user (reason required)',
  middleware: [sameSiteOnly, requirePermission('users:impersonate')] as const,
  request: { query: operatorImpersonateQuery },
  responses: {
    200: jsonContent(handoffResponse, 'Hand-off token'),
    ...errorResponses(400, 401, 403, 404),
  },
});

const exchangeRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/login/{token}',
  tags,
  summary: 'Exchange a hand-off token for a session as the target (same session that asked)',
  middleware: [requireSession] as const,
  request: { params: handoffParam },
  responses: {
    200: jsonContent(signedInResponse, 'Impersonation session'),
    ...errorResponses(400, 401, 403, 404, 409, 410, 429),
  },
});

const leaveRoute = createRoute({
  method: 'post',
  path: '/api/public/auth/impersonation/leave',
  tags,
  summary: "End the impersonation and return to the actor's own session",
  middleware: [requireSession] as const,
  responses: {
    200: jsonContent(sessionResponse, "The actor's own session"),
    ...errorResponses(401, 409),
  },
});

const historyRoute = createRoute({
  method: 'get',
  path: '/api/public/account/access-history',
  tags,
  summary: 'Who signed in as me, when, for how long and why',
  middleware: [requireSession, ownSessionOnly] as const,
  responses: {
    200: jsonContent(accessHistoryResponse, 'Access history'),
    ...errorResponses(401, 403),
  },
});

export const impersonationRoutes = createRouter()
  .openapi(teamIssueRoute, (c) => {
    const { coworkerId } = c.req.valid('param');
    const { reason } = c.req.valid('query');
    return c.json(
      issueTeamHandoff(c.get('deps'), getAuth(c), coworkerId, reason, c.get('meta')),
      200,
    );
  })
  .openapi(operatorIssueRoute, (c) =>
    c.json(
      issueOperatorHandoff(c.get('deps'), getAuth(c), c.req.valid('query'), c.get('meta')),
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
      setSessionCookie(c, c.get('deps').env, result.token, result.expiresAt, 'impersonation');
    }
    return c.json(signedInBody(c, result), 200);
  })
  .openapi(leaveRoute, (c) => {
    const auth = getAuth(c);
    const result = leaveImpersonation(c.get('deps'), auth, c.get('meta'));
    if (auth.transport === 'cookie') clearSessionCookie(c, c.get('deps').env, 'impersonation');
    return c.json(result, 200);
  })
  .openapi(historyRoute, (c) => c.json(accessHistory(c.get('deps'), getAuth(c)), 200));
