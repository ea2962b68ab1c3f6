import { SHOWN_SESSION_HEADER } from '@onbehalf/contracts/headers';
import type { Permission } from '@onbehalf/contracts/permissions';
import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv, AuthContext } from '../app-env.ts';
import { impersonationEndedUntold } from '../http/session-cookie.ts';
import { AppError } from '../lib/errors.ts';
import { getAuth } from './session.ts';

/** Refuses the request unless the session holds every permission named. */
export function requirePermission(...needed: Permission[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.get('apiKey')) throw new AppError('forbidden', { message: 'API keys cannot use this.' });
    const auth = getAuth(c);
    if (!needed.every((p) => auth.permissions.has(p))) throw new AppError('forbidden');
    await next();
  };
}

/**
 * Like requirePermission, but an API key whose scopes include the permission is accepted
 * too: the routes integrations may call.
 */
export function requirePermissionOrApiKey(needed: Permission): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.get('apiKey');
    if (key) {
      if (!(key.scopes as string[]).includes(needed)) {
        throw new AppError('forbidden', { message: `This API key lacks the ${needed} scope.` });
      }
      return next();
    }
    const auth = getAuth(c);
    if (!auth.permissions.has(needed)) throw new AppError('forbidden');
    await next();
  };
}

/** A signed-in caller of any kind. */
export const requireSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  getAuth(c);
  await next();
};

/**
 * Sensitive actions are a person's to take as themselves, in their own session (SPEC §4 rule 8,
 * §4b): never while impersonating, never in a session an integration's credential opened.
 * Credentials, sessions, links, the opt-out, team rights, settings, the audit trail.
 */
function actingForSomeone(auth: AuthContext | null) {
  if (auth?.impersonation)
    return { rule: 'impersonating', code: 'impersonation_restricted' } as const;
  if (auth?.credential) return { rule: 'integration', code: 'integration_restricted' } as const;
  return null;
}

/**
 * `actingForSomeone: 'refused'` in the route table (http/openapi.ts puts it before the route's
 * own middleware; the session or API key was placed by resolveSession). A refusal is a security
 * refusal like the doors' (SPEC §8b): audited, naming who really acted and, in an integration's
 * session, the credential; repeats within a minute are counted, not written one by one.
 */
export const ownSessionOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  // An API key acts for no one: it passes; the permission check before this one placed it.
  const auth = c.get('auth');
  const acting = actingForSomeone(auth);
  if (auth && acting) {
    await recordGuardRefusal(c, auth, 'session.action_refused', acting.rule);
    throw new AppError(acting.code);
  }
  await next();
};

/** Audits a refusal of one of the guards below, once a minute per actor and rule. */
async function recordGuardRefusal(
  c: Context<AppEnv>,
  auth: AuthContext,
  type: 'session.action_refused' | 'impersonation.refused',
  rule: string,
): Promise<void> {
  const { store, clock } = c.get('deps');
  const row = auth.impersonation?.row;
  const actor = auth.impersonation?.actorUser ?? auth.user;
  await store.impersonation.recordRefusal(
    {
      type,
      at: clock.now(),
      actor: actor ? { userId: actor.id, kind: actor.kind } : { userId: null, kind: 'anonymous' },
      subjectUserId: auth.user?.id ?? null,
      organizationId: auth.profile?.organizationId ?? null,
      sessionId: auth.session.id,
      impersonationId: row?.id ?? null,
      details: { rule, route: `${c.req.method} ${routePath(c)}` },
    },
    rule,
    c.get('meta'),
  );
}

/**
 * The routes whose `afterImpersonationEnds` is `refused` (every write but signing out and
 * leaving, and the reads that hand out a credential): one sent from inside an impersonation
 * that has just ended resolved to the actor's own session (middleware/session.ts falls back
 * to it, so pages keep working and say why it ended), and would be carried out as the actor,
 * in their own name, or mint the actor's credential, where they meant to act for someone. It
 * is refused instead; the impersonation's cookie is already cleared, so once the person is
 * told, the next request is their own.
 */
export const notAfterImpersonationEnded: MiddlewareHandler<AppEnv> = async (c, next) => {
  const auth = c.get('auth');
  // Noticed by this request, or by an earlier one (a read that came first cleared the cookie)
  // and not yet told to the person (`GET /session` tells it, and the portal reads it on this
  // refusal). A live impersonation is its own business.
  const ended =
    c.get('impersonationEnded') ||
    (auth?.transport === 'cookie' && impersonationEndedUntold(c, c.get('deps').env));
  if (ended && auth && !auth.impersonation) throw new AppError('impersonation_ended');
  await next();
};

/**
 * The same routes, sent by a page that shows another session than the cookie now holds. The
 * cookies are the browser's, shared by all its tabs: an impersonation started, left or
 * replaced, a profile switched or another sign-in in one tab changes who every other tab's next
 * request speaks for, while those tabs still show the last one (with or without the banner). The
 * portal says which session its page shows (`SHOWN_SESSION_HEADER`, the session's id); a write
 * meant for that one is refused rather than carried out in another's name, say an order placed
 * for the member the banner does not name, or as the actor under a banner that says otherwise
 * (docs/decisions/046). Requests that do not say (API clients, bearer tokens) are not judged.
 */
export const notForAnotherSession: MiddlewareHandler<AppEnv> = async (c, next) => {
  const auth = c.get('auth');
  const shown = c.req.header(SHOWN_SESSION_HEADER);
  if (auth?.transport === 'cookie' && shown !== undefined && shown !== auth.session.id) {
    throw new AppError('session_changed');
  }
  await next();
};

/**
 * `actingForSomeone: 'refusedWhileImpersonating'` in the route table: a sign-in or a link
 * never stacks on an impersonation; leave it first. A support credential redeemed here would
 * start an impersonation inside one: the refusal is audited as the doors audit theirs (SPEC
 * §8b), with the rule `nested`, repeats counted.
 */
export const notWhileImpersonating: MiddlewareHandler<AppEnv> = async (c, next) => {
  const auth = c.get('auth');
  if (auth?.impersonation) {
    await recordGuardRefusal(c, auth, 'impersonation.refused', 'nested');
    throw new AppError('impersonation_restricted');
  }
  await next();
};
